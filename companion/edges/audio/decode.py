"""Reading a segment back: decrypt in memory, decode the Ogg Opus stream in memory."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from companion.edges.audio.container.format import ContainerError
from companion.edges.audio.container.reader import read_container


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
    blocks = list(_blocks(sound))
    if not blocks:
        return np.zeros((0, 2), dtype=np.int16)
    return np.concatenate(blocks)


def _blocks(sound: sf.SoundFile, frames: int = 48_000) -> Iterator[np.ndarray]:
    while True:
        try:
            block = sound.read(frames, dtype="int16", always_2d=True)
        except (sf.LibsndfileError, RuntimeError):
            return
        if len(block) == 0:
            return
        yield block


def segment_blocks(path: Path, master_key: bytes) -> tuple[int, Iterator[np.ndarray]]:
    """The rate and the segment's audio a second at a time: for work that needs no
    whole copy (an hour of one segment is 690 MB as int16 stereo)."""
    contents = read_container(path, master_key)
    if not contents.plaintext:
        return 48_000, iter(())
    try:
        sound = sf.SoundFile(io.BytesIO(contents.plaintext))
    except (sf.LibsndfileError, RuntimeError) as error:
        raise ContainerError(f"{path.name}: the audio inside cannot be decoded: {error}") from error
    return sound.samplerate, _closing(sound)


def _closing(sound: sf.SoundFile) -> Iterator[np.ndarray]:
    with sound:
        yield from _blocks(sound)


def decode_call(paths: list[Path], master_key: bytes) -> tuple[np.ndarray, int] | None:
    """The segments at `paths` (those that exist), in order, as one int16 array; None if none."""
    segments = [decode_segment(path, master_key) for path in paths if path.exists()]
    if not segments:
        return None
    return np.concatenate([s.frames for s in segments]), segments[0].rate
