"""Finding the policy's key phrases in a transcript: suggested moments, as drafts.

A phrase matches a run of spoken words after lower-casing and dropping punctuation, so
"Security review" in the policy finds "security review," in a line. The moment is placed
where the phrase's first word was spoken. The rep confirms, retags or deletes it. Its
note names the policy's phrase and the speaker, never the line: moments are stored in
plain text, transcripts only sealed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from companion.core.transcripts.model import SpokenWord, Transcript

# The same tag found again within this long is the same conversation point, not a new one.
SAME_POINT_MS = 20_000
# How alike a run of heard words must sound to a phrase of two or more words (0..1).
# Measured: "security with you" for "security review" is 0.79; "body" for "budget" 0.4.
SOUNDS_LIKE = 0.75
Similar = Callable[[list[str], list[str]], float]  # heard words, phrase words -> 0..1
WORD = re.compile(r"[^\w']+")
SUGGESTED = "suggested, please check"
CONFIRMED = "confirmed by the rep"
UNSURE = "[unsure]"  # stands for a word the engine was unsure of: it matches no phrase


@dataclass(frozen=True)
class SuggestedMoment:
    tag: str
    offset_ms: int
    phrase: str
    speaker_label: str

    @property
    def note(self) -> str:
        return f'Key phrase "{self.phrase}" ({self.speaker_label}): {SUGGESTED}'


def confirmed_note(note: str) -> str:
    """A suggested moment's note once the rep confirmed it: no longer "suggested"."""
    return note.replace(SUGGESTED, CONFIRMED)


def sure_words_only(transcript: Transcript, min_confidence: float) -> Transcript:
    """The transcript as drafts may read it: each word the engine heard less surely than
    `min_confidence` replaced by a stand-in that matches nothing (dropping it instead
    would join its neighbours into phrases nobody said)."""
    from dataclasses import replace

    def sure(word: SpokenWord) -> SpokenWord:
        if word.confidence >= min_confidence:
            return word
        return SpokenWord(UNSURE, word.start_ms, word.end_ms, word.confidence)

    lines = tuple(
        replace(line, words=tuple(sure(w) for w in line.words)) for line in transcript.lines
    )
    return replace(transcript, lines=lines)


def marked_text(words: Sequence[SpokenWord], min_confidence: float) -> str:
    """A line for the rep's eyes: each word the engine was unsure of marked "(?)"."""
    return " ".join(f"{w.text}(?)" if w.confidence < min_confidence else w.text for w in words)


def normal_words(text: str) -> list[str]:
    return [w for w in WORD.split(text.lower()) if w]


def find_key_phrases(
    transcript: Transcript,
    phrases_by_tag: Mapping[str, Sequence[str]],
    similar: Similar | None = None,
) -> list[SuggestedMoment]:
    """One suggestion per tag and conversation point, in call order.

    With `similar` (how alike words sound), a phrase of two or more words also matches
    a run of heard words that sounds like it: engines mishear. Single words match only
    exactly, where one wrong sound would suggest a moment at every "body" for "budget".
    """
    found: list[SuggestedMoment] = []
    last_at: dict[str, int] = {}
    wanted = [
        (tag, phrase, normal_words(phrase))
        for tag, phrases in phrases_by_tag.items()
        for phrase in phrases
        if normal_words(phrase)
    ]
    for line in transcript.lines:
        spoken = [(normal_words(w.text), w.start_ms) for w in line.words]
        flat = [(word, at) for words, at in spoken for word in words]
        tokens = [word for word, _ in flat]
        for tag, phrase, target in wanted:
            for start in _matches(tokens, target, similar):
                at = flat[start][1]
                if tag in last_at and at - last_at[tag] < SAME_POINT_MS:
                    continue
                last_at[tag] = at
                found.append(SuggestedMoment(tag, at, phrase, line.label))
    return sorted(found, key=lambda m: m.offset_ms)


def _matches(tokens: list[str], target: list[str], similar: Similar | None) -> list[int]:
    size = len(target)
    exact = [i for i in range(len(tokens) - size + 1) if tokens[i : i + size] == target]
    if exact or similar is None or size < 2:
        return exact
    for start in range(len(tokens)):
        for width in (size, size + 1, size - 1):  # a word split in two, or two run together
            window = tokens[start : start + width]
            if len(window) == width and similar(window, target) >= SOUNDS_LIKE:
                return [start]  # one per line: the tag, not each near miss
    return []
