"""Turning one side of a call (48 kHz int16) into what speech engines read (16 kHz mono).

soxr (libsoxr) resamples with a proper anti-alias filter in C, in one pass.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from companion.edges.speech.transcriber import SPEECH_RATE


def side_for_speech(frames: np.ndarray, side: int, rate: int) -> np.ndarray:
    """Column `side` of an (n, 2) int16 call, resampled to 16 kHz int16."""
    import soxr

    column = np.ascontiguousarray(frames[:, side])
    if rate == SPEECH_RATE:
        return column
    resampled = soxr.resample(column, rate, SPEECH_RATE, quality="HQ")
    return np.asarray(resampled, dtype=np.int16)


def segment_for_speech(path: Path, master_key: bytes) -> tuple[list[np.ndarray], int, int]:
    """Both sides of one sealed segment at 16 kHz, decoded and resampled a second at a
    time; with the segment's length in frames and its rate."""
    import soxr

    from companion.edges.audio.decode import segment_blocks

    rate, blocks = segment_blocks(path, master_key)
    streams = [soxr.ResampleStream(rate, SPEECH_RATE, 1, dtype="int16") for _ in range(2)]
    parts: list[list[np.ndarray]] = [[], []]
    frames = 0
    for block in blocks:
        frames += len(block)
        for side, stream in enumerate(streams):
            column = np.ascontiguousarray(block[:, side] if block.shape[1] > side else block[:, 0])
            parts[side].append(stream.resample_chunk(column))
    for side, stream in enumerate(streams):
        parts[side].append(stream.resample_chunk(np.zeros(0, dtype=np.int16), last=True))
    return [np.concatenate(p).astype(np.int16) for p in parts], frames, rate


def is_silent(samples: np.ndarray, floor_dbfs: float = -55.0) -> bool:
    """A side with nothing on it (a muted or absent device): nothing to transcribe."""
    if samples.size == 0:
        return True
    peak = float(np.max(np.abs(samples.astype(np.int32)))) / 32768.0
    return peak <= 10 ** (floor_dbfs / 20)
