"""The call's other side (what the speakers play): the seam, and its Linux side.

Every side opens only with a live `CaptureGrant` and drops each block once the grant
is dead, like `audio/capture.SourceStream`; blocks are 48 kHz mono 16-bit PCM (what the
recorder mixes), put on the recorder's queue as `Block`s; `open` returns the device's
own format, for the doctor. The recorder takes a side as its `far_end` where PortAudio
offers no call audio (`choose.far_end_for`). Linux: the PulseAudio/PipeWire
default sink's monitor (`audio/sources.py`), opened as a `SourceStream`.
"""

from __future__ import annotations

import queue
from dataclasses import dataclass
from typing import Protocol

from companion.core.calls.grant import CaptureGrant
from companion.edges.audio.capture import SAMPLE_RATE, Block, SourceStream
from companion.edges.audio.sources import CaptureSource, plan_sources


@dataclass(frozen=True)
class CallAudioFormat:
    rate: int
    channels: int  # interleaved int16


class CallAudio(Protocol):
    def find(self) -> str | None:
        """What would be recorded as the far end, in the rep's words; None: nothing."""
        ...

    def open(
        self, grant: CaptureGrant, blocks: queue.SimpleQueue[Block], index: int
    ) -> CallAudioFormat:
        """Start capturing into `blocks`; AudioUnavailable (a UserFacingError) if the OS says no."""
        ...

    def close(self) -> None: ...


class PulseMonitorAudio:
    """Linux: the default sink's monitor through PortAudio's `pulse` device."""

    def __init__(self) -> None:
        self._stream: SourceStream | None = None

    def find(self) -> str | None:
        source = self._source()
        return source.label if source else None

    def _source(self) -> CaptureSource | None:
        return plan_sources().far_end

    def open(
        self, grant: CaptureGrant, blocks: queue.SimpleQueue[Block], index: int
    ) -> CallAudioFormat:
        grant.require_active()
        source = self._source()
        if source is None:
            from companion.edges.audio.devices import AudioUnavailable

            raise AudioUnavailable("the sound server offers no monitor of the speakers")
        self._stream = SourceStream(index, source, grant, blocks)
        self._stream.open()
        return CallAudioFormat(SAMPLE_RATE, 1)

    def close(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.close()
