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
# What an engine writes for a digit it misheard ("for one one one to two"). They count
# only inside a run that is mostly real digits, and never at its ends.
SOUNDS_LIKE_DIGITS = frozenset(["for", "to", "too", "won", "ate"])
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


def _bare(word: SpokenWord) -> str:
    return word.text.lower().strip(".,;:!?")


def _trimmed(run: list[SpokenWord]) -> tuple[list[SpokenWord], list[SpokenWord], list[SpokenWord]]:
    """(leading, core, trailing): sound-alike words at a run's ends are ordinary words."""
    start, end = 0, len(run)
    while start < end and _bare(run[start]) in SOUNDS_LIKE_DIGITS:
        start += 1
    while end > start and _bare(run[end - 1]) in SOUNDS_LIKE_DIGITS:
        end -= 1
    return run[:start], run[start:end], run[end:]


def _is_number(core: list[SpokenWord], min_run: int) -> bool:
    real = [digits_in(w.text) for w in core if digits_in(w.text)]
    alike = len(core) - len(real)
    return sum(real) + alike >= min_run and len(real) >= alike


def mask_words(words: tuple[SpokenWord, ...], min_run: int) -> tuple[tuple[SpokenWord, ...], int]:
    """Words with each run of at least `min_run` digits replaced by one mask; runs masked."""
    out: list[SpokenWord] = []
    run: list[SpokenWord] = []
    masked = 0

    def close_run() -> None:
        nonlocal masked
        leading, core, trailing = _trimmed(run)
        if core and _is_number(core, min_run):
            out.extend(leading)
            out.append(SpokenWord(MASK, core[0].start_ms, core[-1].end_ms))
            out.extend(trailing)
            masked += 1
        else:
            out.extend(run)
        run.clear()

    for word in words:
        if digits_in(word.text) or _bare(word) in SOUNDS_LIKE_DIGITS:
            run.append(word)
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
