"""Turning two sides' blocks into one stereo stream, and measuring their levels.

Left = the rep's microphone, right = the far end. Sides start a few ms apart and
may stall (a device unplugged); a side that falls more than `max_lag` behind is
padded with silence so the other side's audio still reaches the file.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from companion.audio.capture import SAMPLE_RATE

SILENCE_DBFS = -50.0
MAX_LAG_FRAMES = SAMPLE_RATE // 2


@dataclass
class SideLevel:
    dbfs: float = -120.0
    last_sound_at: float = field(default_factory=time.monotonic)
    last_block_at: float | None = None


def block_dbfs(samples: np.ndarray) -> float:
    if samples.size == 0:
        return -120.0
    rms = math.sqrt(float(np.mean(samples.astype(np.float32) ** 2))) / 32768.0
    return 20 * math.log10(rms) if rms > 1e-6 else -120.0


class StereoMixer:
    def __init__(self, sides: int = 2) -> None:
        self.pending = [np.zeros(0, dtype=np.int16) for _ in range(sides)]
        self.active = [False] * sides  # sides that exist in this recording
        self.levels = [SideLevel() for _ in range(sides)]

    def add(self, side: int, data: bytes, at: float) -> None:
        samples = np.frombuffer(data, dtype=np.int16)
        self.active[side] = True
        self.pending[side] = np.concatenate((self.pending[side], samples))
        level = self.levels[side]
        level.dbfs = block_dbfs(samples)
        level.last_block_at = at
        if level.dbfs > SILENCE_DBFS:
            level.last_sound_at = at

    def ready_frames(self) -> int:
        """What `take()` would return now (a stalled side does not hold the other back)."""
        live = [len(p) for p, on in zip(self.pending, self.active, strict=True) if on]
        if not live:
            return 0
        lagging = max(live) - min(live) > MAX_LAG_FRAMES
        return max(live) - MAX_LAG_FRAMES if lagging else min(live)

    def take(self, flush_all: bool = False) -> np.ndarray:
        """Frames ready to encode, shape (n, 2) int16; pads a lagging or absent side."""
        live = [i for i, on in enumerate(self.active) if on]
        if not live:
            return np.zeros((0, 2), dtype=np.int16)
        lengths = [len(self.pending[i]) for i in live]
        count = max(lengths) if flush_all else min(lengths)
        if not flush_all and max(lengths) - count > MAX_LAG_FRAMES:
            count = max(lengths) - MAX_LAG_FRAMES  # a stalled side: keep the other flowing
        out = np.zeros((count, 2), dtype=np.int16)
        for side in live:
            got = self.pending[side][:count]
            out[: len(got), side] = got
            self.pending[side] = self.pending[side][len(got) :]
        return out
