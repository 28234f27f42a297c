"""Mapping a position in the recorded audio to call time, across pauses and gaps.

The kept audio is the segments joined end to end; each segment starts at its own call
offset. A word 70 s into the joined audio may have been spoken 95 s into the call if the
rep paused for 25 s after the first minute.
"""

from __future__ import annotations

from collections.abc import Sequence


def call_ms(audio_seconds: float, spans: Sequence[tuple[int, int]], rate: int) -> int:
    """`spans` are each kept segment's (call offset ms, frames), in call order."""
    before = 0.0
    for offset_ms, frames in spans:
        length = frames / rate
        if audio_seconds < before + length:
            return offset_ms + round((audio_seconds - before) * 1000)
        before += length
    if not spans:
        return round(audio_seconds * 1000)
    offset_ms, frames = spans[-1]  # past the end (rounding): the last segment's end
    return offset_ms + round(frames / rate * 1000)


def audio_frame(call_ms_at: int, spans: Sequence[tuple[int, int]], rate: int) -> int | None:
    """The inverse: which frame of the joined audio was recorded at `call_ms_at`.

    None when nothing was recorded then (before consent, in a pause, after the end).
    """
    before = 0
    for offset_ms, frames in spans:
        into = (call_ms_at - offset_ms) * rate // 1000
        if 0 <= into < frames:
            return before + into
        before += frames
    return None
