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

from companion.edges.audio.capture import SAMPLE_RATE

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
    as_float = samples.astype(np.float32)
    # A dot product, not mean(x ** 2): one BLAS call per block instead of three passes.
    rms = math.sqrt(float(np.dot(as_float, as_float)) / samples.size) / 32768.0
    return 20 * math.log10(rms) if rms > 1e-6 else -120.0


class StereoMixer:
    def __init__(self, sides: int = 2) -> None:
        # Blocks are kept as they came and joined once per take(): joining on every
        # block copied the whole backlog 25 times a second per side.
        self.pending: list[list[np.ndarray]] = [[] for _ in range(sides)]
        self.counts = [0] * sides
        self.active = [False] * sides  # sides that exist in this recording
        self.levels = [SideLevel() for _ in range(sides)]

    def add(self, side: int, data: bytes, at: float) -> None:
        samples = np.frombuffer(data, dtype=np.int16)
        self.active[side] = True
        self.pending[side].append(samples)
        self.counts[side] += len(samples)
        level = self.levels[side]
        level.dbfs = block_dbfs(samples)
        level.last_block_at = at
        if level.dbfs > SILENCE_DBFS:
            level.last_sound_at = at

    def ready_frames(self) -> int:
        """What `take()` would return now (a stalled side does not hold the other back)."""
        live = [n for n, on in zip(self.counts, self.active, strict=True) if on]
        if not live:
            return 0
        lagging = max(live) - min(live) > MAX_LAG_FRAMES
        return max(live) - MAX_LAG_FRAMES if lagging else min(live)

    def take(self, flush_all: bool = False) -> np.ndarray:
        """Frames ready to encode, shape (n, 2) int16; pads a lagging or absent side."""
        live = [i for i, on in enumerate(self.active) if on]
        if not live:
            return np.zeros((0, 2), dtype=np.int16)
        lengths = [self.counts[i] for i in live]
        count = max(lengths) if flush_all else min(lengths)
        if not flush_all and max(lengths) - count > MAX_LAG_FRAMES:
            count = max(lengths) - MAX_LAG_FRAMES  # a stalled side: keep the other flowing
        out = np.zeros((count, 2), dtype=np.int16)
        for side in live:
            got = self._take_side(side, count)
            out[: len(got), side] = got
        return out

    def _take_side(self, side: int, count: int) -> np.ndarray:
        """Up to `count` of a side's oldest frames; the rest stays pending."""
        blocks = self.pending[side]
        if not blocks:
            return np.zeros(0, dtype=np.int16)
        joined = blocks[0] if len(blocks) == 1 else np.concatenate(blocks)
        got, rest = joined[:count], joined[count:]
        self.pending[side] = [rest] if len(rest) else []
        self.counts[side] = len(rest)
        return got
