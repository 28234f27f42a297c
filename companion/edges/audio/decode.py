"""Reading a segment back: decrypt in memory, decode the Ogg Opus stream in memory."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from companion.edges.audio.container_format import ContainerError
from companion.edges.audio.container_reader import read_container


@dataclass(frozen=True)
class DecodedSegment:
    frames: np.ndarray  # (n, 2) int16: mic, far end
    rate: int
    complete: bool  # the writer closed it cleanly (not left by a crash)

    @property
    def seconds(self) -> float:
        return len(self.frames) / self.rate


def decode_segment(path: Path, master_key: bytes) -> DecodedSegment:
    """Everything that can be heard, up to the last complete Ogg page."""
    contents = read_container(path, master_key)
    if not contents.plaintext:
        return DecodedSegment(np.zeros((0, 2), dtype=np.int16), 48_000, contents.complete)
    try:
        with sf.SoundFile(io.BytesIO(contents.plaintext)) as sound:
            frames = _read_until_damage(sound)
            rate = sound.samplerate
    except (sf.LibsndfileError, RuntimeError) as error:
        raise ContainerError(f"{path.name}: the audio inside cannot be decoded: {error}") from error
    return DecodedSegment(frames, rate, contents.complete)


def _read_until_damage(sound: sf.SoundFile) -> np.ndarray:
    """Read block by block so a torn last page costs that page, not the whole file."""
    blocks: list[np.ndarray] = []
    while True:
        try:
            block = sound.read(48_000, dtype="int16", always_2d=True)
        except (sf.LibsndfileError, RuntimeError):
            break
        if len(block) == 0:
            break
        blocks.append(block)
    if not blocks:
        return np.zeros((0, 2), dtype=np.int16)
    return np.concatenate(blocks)


def decode_call(paths: list[Path], master_key: bytes) -> tuple[np.ndarray, int] | None:
    """The segments at `paths` (those that exist), in order, as one int16 array; None if none."""
    segments = [decode_segment(path, master_key) for path in paths if path.exists()]
    if not segments:
        return None
    return np.concatenate([s.frames for s in segments]), segments[0].rate
