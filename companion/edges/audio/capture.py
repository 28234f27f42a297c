"""Input streams that do the least possible in the PortAudio callback.

The callback checks the capture grant (so no frame survives a withdrawal even
before the stream is closed), copies the block into a queue, and counts
overflows. Everything else (mixing, encoding, encryption, disk) happens on the
recorder's writer thread.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from companion.core.calls.grant import CaptureGrant
from companion.edges.audio.devices import AudioUnavailable
from companion.edges.audio.sources import CaptureSource

SAMPLE_RATE = 48_000
# 40 ms. Every block wakes PortAudio's callback thread, and the wake-up costs far more
# CPU than the callback itself: 20 ms blocks cost the two sides ~0.6 % of a core more
# than 30 ms, 40 ms ones ~0.4 % less. The first frame comes one block after the stream
# starts; that fits the 100 ms consent -> first frame bound (p95) because the recorder
# reads the keyring before the click (AudioRecorder.prepare), not on it.
BLOCK_FRAMES = 1_920

_ENV_LOCK = threading.Lock()  # PULSE_SOURCE is process-wide: open one stream at a time


@dataclass
class Block:
    source: int
    data: bytes
    at: float  # time.monotonic() when the callback ran


@contextmanager
def _pulse_source(name: str | None) -> Iterator[None]:
    with _ENV_LOCK:
        previous = os.environ.get("PULSE_SOURCE")
        if name:
            os.environ["PULSE_SOURCE"] = name
        try:
            yield
        finally:
            if previous is None:
                os.environ.pop("PULSE_SOURCE", None)
            else:
                os.environ["PULSE_SOURCE"] = previous


@dataclass
class SourceStream:
    """One side of the call; a dead stream stops producing blocks, nothing more."""

    index: int
    source: CaptureSource
    grant: CaptureGrant
    blocks: queue.SimpleQueue[Block]
    overflows: int = 0
    first_block_at: float | None = None
    last_block_at: float | None = None
    _stream: Any = field(default=None, repr=False)  # sounddevice.RawInputStream (untyped)

    def open(self) -> None:
        self.grant.require_active()  # the only way in: a live consent grant
        import sounddevice as sd

        try:
            with _pulse_source(self.source.pulse_source):
                stream = sd.RawInputStream(
                    samplerate=SAMPLE_RATE,
                    blocksize=BLOCK_FRAMES,
                    device=self.source.device,
                    channels=1,
                    dtype="int16",
                    callback=self._callback,
                )
                stream.start()
        except (sd.PortAudioError, ValueError) as error:
            raise AudioUnavailable(f"cannot open {self.source.label}: {error}") from error
        self._stream = stream

    def _callback(self, indata: object, frames: int, _time: object, status: object) -> None:
        if not self.grant.active:
            return  # consent is gone: drop the block; the stream is being closed
        now = time.monotonic()
        if getattr(status, "input_overflow", False):
            self.overflows += 1
        if self.first_block_at is None:
            self.first_block_at = now
        self.last_block_at = now
        self.blocks.put(Block(self.index, bytes(indata), now))  # type: ignore[call-overload]  # cffi buffer

    def close(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.stop()
            stream.close()
