"""Masking runs of digits (card, phone, account numbers) before a transcript is kept.

A run counts written digits ("4111 1111") and spoken ones ("four one one one") alike,
across separators, because a speech engine writes numbers either way. Each masked run
is counted for the audit entry; the digits themselves are never kept anywhere.
"""

from __future__ import annotations

import re
from dataclasses import replace

from companion.core.transcripts.model import SpokenWord, Transcript, TranscriptLine

SPOKEN_DIGITS = frozenset(
    ["zero", "oh", "o", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
)
MASK = "[number]"
WRITTEN = re.compile(r"^[\d\-./,()+]*\d[\d\-./,()+]*$")


def digits_in(word: str) -> int:
    """How many digits a word carries: 0 for an ordinary word."""
    bare = word.lower().strip(".,;:!?")
    if bare in SPOKEN_DIGITS:
        return 1
    if WRITTEN.match(bare):
        return sum(ch.isdigit() for ch in bare)
    return 0


def mask_words(words: tuple[SpokenWord, ...], min_run: int) -> tuple[tuple[SpokenWord, ...], int]:
    """Words with each run of at least `min_run` digits replaced by one mask; runs masked."""
    out: list[SpokenWord] = []
    run: list[SpokenWord] = []
    digits = masked = 0

    def close_run() -> None:
        nonlocal digits, masked
        if run and digits >= min_run:
            out.append(SpokenWord(MASK, run[0].start_ms, run[-1].end_ms))
            masked += 1
        else:
            out.extend(run)
        run.clear()
        digits = 0

    for word in words:
        count = digits_in(word.text)
        if count:
            run.append(word)
            digits += count
        else:
            close_run()
            out.append(word)
    close_run()
    return tuple(out), masked


def redact(transcript: Transcript, min_run: int | None) -> Transcript:
    """The transcript with digit runs masked (unchanged when the policy sets no rule)."""
    if not min_run:
        return transcript
    lines: list[TranscriptLine] = []
    total = 0
    for line in transcript.lines:
        words, masked = mask_words(line.words, min_run)
        lines.append(replace(line, words=words))
        total += masked
    return replace(transcript, lines=tuple(lines), redactions=transcript.redactions + total)


def masked_spans(transcript: Transcript) -> list[tuple[str, int, int]]:
    """(speaker, start ms, end ms) of every mask: where the package audio can be muted."""
    return [
        (line.speaker, word.start_ms, word.end_ms)
        for line in transcript.lines
        for word in line.words
        if word.text == MASK
    ]
