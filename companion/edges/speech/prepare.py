"""Turning one side of a call (48 kHz int16) into what speech engines read (16 kHz mono).

soxr (libsoxr) resamples with a proper anti-alias filter in C, in one pass.
"""

from __future__ import annotations

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


def is_silent(samples: np.ndarray, floor_dbfs: float = -55.0) -> bool:
    """A side with nothing on it (a muted or absent device): nothing to transcribe."""
    if samples.size == 0:
        return True
    peak = float(np.max(np.abs(samples.astype(np.int32)))) / 32768.0
    return peak <= 10 ** (floor_dbfs / 20)
