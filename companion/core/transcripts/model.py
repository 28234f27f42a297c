"""A call's transcript as plain data: who said what, and when in the call.

Times are call times in milliseconds (paused and unrecorded stretches included), so a
transcript line, a moment and the timeline all share one clock. Every line is machine
made: a transcript is a draft of what was said, never evidence on its own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

Speaker = Literal["rep", "customer"]
SPEAKER_LABELS: dict[Speaker, str] = {"rep": "Rep", "customer": "Customer"}
FORMAT_VERSION = 1


@dataclass(frozen=True)
class SpokenWord:
    text: str
    start_ms: int
    end_ms: int
    confidence: float = 1.0  # the engine's probability, 0..1 (1: the engine gave none)


@dataclass(frozen=True)
class TranscriptLine:
    speaker: Speaker
    start_ms: int
    end_ms: int
    words: tuple[SpokenWord, ...]

    @property
    def text(self) -> str:
        return " ".join(word.text for word in self.words)

    @property
    def label(self) -> str:
        return SPEAKER_LABELS[self.speaker]

    def said(self, two_sides: bool = True) -> str:
        """`Rep: text`, or just the text where the audio had one side (a mono file)."""
        return f"{self.label}: {self.text}" if two_sides else self.text


@dataclass(frozen=True)
class Transcript:
    engine: str
    model: str
    language: str
    lines: tuple[TranscriptLine, ...]
    redactions: int = 0  # digit runs masked by the policy (counted, never kept)
    sides: tuple[Speaker, ...] = field(default=("rep", "customer"))

    @property
    def two_sided(self) -> bool:
        return len(self.sides) > 1

    def line_at(self, call_ms: int) -> int | None:
        """The index of the line being spoken at `call_ms` (the last one begun), if any."""
        found = None
        for index, line in enumerate(self.lines):
            if line.start_ms > call_ms:
                break
            found = index
        return found

    def to_json(self) -> bytes:
        return json.dumps(_as_dict(self), ensure_ascii=False, separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Transcript:
        raw = json.loads(data)
        lines = tuple(
            TranscriptLine(
                line["speaker"],
                line["start_ms"],
                line["end_ms"],
                tuple(SpokenWord(*word) for word in line["words"]),
            )
            for line in raw["lines"]
        )
        sides = tuple(raw.get("sides", ("rep", "customer")))
        return cls(raw["engine"], raw["model"], raw["language"], lines, raw["redactions"], sides)


def _as_dict(transcript: Transcript) -> dict[str, Any]:
    return {
        "format": FORMAT_VERSION,
        "engine": transcript.engine,
        "model": transcript.model,
        "language": transcript.language,
        "redactions": transcript.redactions,
        "sides": list(transcript.sides),
        "lines": [
            {
                "speaker": line.speaker,
                "start_ms": line.start_ms,
                "end_ms": line.end_ms,
                "words": [_word(w) for w in line.words],
            }
            for line in transcript.lines
        ],
    }


def _word(word: SpokenWord) -> list[Any]:
    plain: list[Any] = [word.text, word.start_ms, word.end_ms]
    return plain if word.confidence >= 1.0 else [*plain, round(word.confidence, 3)]


def in_time_order(lines: list[TranscriptLine]) -> tuple[TranscriptLine, ...]:
    """Both sides' lines interleaved as they were spoken (rep first on a tie)."""
    return tuple(sorted(lines, key=lambda line: (line.start_ms, line.speaker != "rep")))
