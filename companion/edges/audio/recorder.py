"""`AudioRecorder`: capture both sides into an encrypted Ogg Opus segment per grant.

Threads: PortAudio callbacks only queue blocks; one writer thread per segment
wakes every `POLL_SECONDS`, takes what has queued up, mixes, encodes, encrypts and
flushes about once a second. The GUI never waits on either: it reads `status()`
from a timer.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from companion.core.calls.grant import CaptureGrant
from companion.core.calls.recorder import (
    IDLE_STATUS,
    RecorderStatus,
    RecorderUnavailable,
    SegmentSummary,
)
from companion.edges.audio.capture import SAMPLE_RATE, Block, SourceStream
from companion.edges.audio.devices import AudioUnavailable
from companion.edges.audio.pulse_watch import PulseRouteWatch
from companion.edges.audio.sources import CaptureSource, Side, SourcePlan, plan_sources
from companion.edges.secrets import SecretStoreError

if TYPE_CHECKING:  # numpy, PyAV (FFmpeg) and the AEAD load with the first recording
    import numpy as np

    from companion.edges.audio.encoder import EncryptedOpusSink

log = logging.getLogger(__name__)
FLUSH_SECONDS = 1.0
# The writer sleeps between batches instead of waking for every block: a thread
# wake-up costs far more CPU than mixing a block, and 100 ms batches keep the encoder
# calls few. What a crash can lose grows by at most this much.
POLL_SECONDS = 0.1
PLAN_FRESH_SECONDS = 60.0
LOST_AFTER_SECONDS = 1.5
CHANNEL = {Side.MIC: 0, Side.FAR_END: 1}


class FarEndCapture(Protocol):
    """The call audio by the OS's own means (`edges/platform/call_audio*.py`): opened only
    with a live grant, 48 kHz mono int16 blocks onto the writer's queue, dropped once the
    grant is dead."""

    def open(self, grant: CaptureGrant, blocks: queue.SimpleQueue[Block], index: int) -> object: ...

    def close(self) -> None: ...


class _SegmentWriter(threading.Thread):
    def __init__(self, blocks: queue.SimpleQueue[Block], sink: EncryptedOpusSink) -> None:
        super().__init__(name="segment-writer", daemon=True)
        from companion.edges.audio.mixer import StereoMixer

        self.blocks = blocks
        self.sink = sink
        self.mixer = StereoMixer()
        self.frames = 0
        self.error: str | None = None
        self.stopping = threading.Event()

    def run(self) -> None:
        next_flush = time.monotonic() + FLUSH_SECONDS
        try:
            while True:
                wait = min(POLL_SECONDS, next_flush - time.monotonic())
                stopping = self.stopping.wait(max(0.0, wait))  # set once the streams are closed
                self._drain()
                if stopping:
                    break
                now = time.monotonic()
                if now >= next_flush:
                    self.sink.flush()
                    # On a fixed beat: a late flush does not push the later ones back.
                    next_flush += FLUSH_SECONDS
                    if next_flush <= now:  # far behind (a suspended laptop): start anew
                        next_flush = now + FLUSH_SECONDS
            self._write(self.mixer.take(flush_all=True))
            self.sink.close()
        except OSError as error:  # disk full, folder gone: keep what was flushed
            self.error = f"cannot write the recording: {error.strerror or error}"
            log.exception("segment writer failed")
            self.sink.abandon()
        except Exception as error:  # an encoder failure: stop, say so, keep what was sealed
            self.error = f"the recording failed: {error}"
            log.exception("segment writer failed")
            self.sink.abandon()

    def _drain(self) -> None:
        """Mix every queued block, then encode what both sides have delivered."""
        while True:
            try:
                block = self.blocks.get_nowait()
            except queue.Empty:
                break
            self.mixer.add(block.source, block.data, block.at)
        self._write(self.mixer.take())

    def _write(self, frames: np.ndarray) -> None:
        if len(frames):
            self.sink.write(frames)
            self.frames += len(frames)


class AudioRecorder:
    """The real recorder: opens nothing without a live grant, closes everything on stop."""

    def __init__(
        self,
        recordings_dir: Path,
        master_key: Callable[[], bytes],
        plan: Callable[[], SourcePlan] = lambda: plan_sources(rescan=True),
        far_end: FarEndCapture | None = None,
    ) -> None:
        self._dir = recordings_dir
        self._far_end = far_end  # the OS's own way to the call audio, where PortAudio has none
        self._far_end_open = False
        self._master_key = master_key
        self._plan = plan
        self._streams: list[SourceStream] = []
        self._watch: PulseRouteWatch | None = None
        self._writer: _SegmentWriter | None = None
        self._started_at = 0.0
        self.segment_path: Path | None = None
        self._prepared: tuple[float, SourcePlan] | None = None
        self._prepared_key: bytes | None = None

    def open_capture(self, grant: CaptureGrant) -> Path:
        grant.require_active()
        try:
            plan = self._fresh_plan()
            sources = plan.sources()
            use_far_end = self._far_end is not None and plan.far_end is None
            if not sources and not use_far_end:
                raise RecorderUnavailable(plan.explanation)
            key = self._take_key()
        except AudioUnavailable as error:
            raise RecorderUnavailable(str(error)) from error
        except SecretStoreError as error:  # locked or missing keyring: never plaintext
            raise RecorderUnavailable(f"{error} ({error.fix})") from error
        path = self._next_path(grant.call_id)
        try:
            from companion.edges.audio.encoder import EncryptedOpusSink

            sink = EncryptedOpusSink(path, key)
        except OSError as error:
            raise RecorderUnavailable(f"cannot create the recording: {error.strerror}") from error
        except Exception as error:  # e.g. an FFmpeg build without libopus: never half-start
            log.exception("cannot start the Opus encoder")
            raise RecorderUnavailable(f"cannot start the audio encoder: {error}") from error
        blocks: queue.SimpleQueue[Block] = queue.SimpleQueue()
        self._writer = _SegmentWriter(blocks, sink)
        self._writer.start()
        self.segment_path = path
        self._started_at = time.monotonic()
        if use_far_end:  # first: a macOS tap makes PortAudio list devices anew (closing streams)
            self._open_far_end(grant, blocks, bool(sources))
        try:
            for source in sources:  # opened only now: after consent, no pre-roll
                stream = SourceStream(CHANNEL[source.side], source, grant, blocks)
                stream.open()
                self._streams.append(stream)
        except AudioUnavailable as error:
            self.stop()
            raise RecorderUnavailable(str(error)) from error
        self._watch = _watch_routes(sources)
        return path

    def _open_far_end(
        self, grant: CaptureGrant, blocks: queue.SimpleQueue[Block], has_mic: bool
    ) -> None:
        """The call audio through the platform seam; refused, the rep's side still records."""
        assert self._far_end is not None
        try:
            self._far_end.open(grant, blocks, CHANNEL[Side.FAR_END])
            self._far_end_open = True
        except AudioUnavailable as error:
            if not has_mic:
                self.stop()
                raise RecorderUnavailable(error.shown()) from error
            log.warning("recording only the rep's side: %s", error.shown())

    def prepare(self) -> str | None:
        """Do the slow part of `start()` while consent is being asked, so capture starts
        at once on the rep's click: find the devices, read the recording key from the
        keyring (a D-Bus round trip, ~27 ms) and load the encoder (numpy, FFmpeg).

        No stream is opened and no audio is touched. Returns why recording cannot work
        (no input device, a locked or missing keyring, no encoder), or None.
        """
        problem: str | None = None
        try:
            plan = self._plan()
            self._prepared = (time.monotonic(), plan)
            if not plan.sources():
                problem = plan.explanation
        except AudioUnavailable as error:
            self._prepared, problem = None, str(error)
        try:
            self._prepared_key = self._master_key()
        except SecretStoreError as error:  # never record where the key cannot be kept
            self._prepared_key = None
            problem = problem or f"{error} {error.fix}"
        try:
            import companion.edges.audio.encoder  # noqa: F401
        except ImportError:
            log.exception("cannot load the audio encoder")
            problem = problem or "the audio encoder (FFmpeg with libopus) cannot be loaded"
        return problem

    def _take_key(self) -> bytes:
        """The key `prepare()` read, once; else from the keyring now."""
        key, self._prepared_key = self._prepared_key, None
        return key if key is not None else self._master_key()

    def _fresh_plan(self) -> SourcePlan:
        prepared, self._prepared = self._prepared, None
        if prepared is not None and time.monotonic() - prepared[0] < PLAN_FRESH_SECONDS:
            return prepared[1]
        return self._plan()

    def _next_path(self, call_id: str) -> Path:
        folder = self._dir / call_id
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"segment-{len(list(folder.glob('segment-*.rca'))) + 1:03d}.rca"

    def stop(self) -> SegmentSummary | None:
        self._prepared_key = None  # held only between call start and the consent click
        streams, self._streams = self._streams, []
        for stream in streams:  # first: no frame may be captured once consent is gone
            stream.close()
        far_end_open, self._far_end_open = self._far_end_open, False
        if far_end_open and self._far_end is not None:
            self._far_end.close()
        watch, self._watch = self._watch, None
        if watch is not None:
            watch.stop()
        writer, self._writer = self._writer, None
        if writer is None or self.segment_path is None:
            return None
        writer.stopping.set()
        writer.join()
        sides = tuple(s.source.side.value for s in streams) + (
            (Side.FAR_END.value,) if far_end_open else ()
        )
        overflows = sum(s.overflows for s in streams)
        return SegmentSummary(self.segment_path, writer.frames, overflows, sides)

    def first_frame_at(self) -> float | None:
        """When the first block arrived (time.monotonic), for the latency benchmark."""
        times = [s.first_block_at for s in self._streams if s.first_block_at is not None]
        return min(times) if times else None

    def _quiet(self, writer: _SegmentWriter, side: int, now: float) -> float:
        if not writer.mixer.active[side]:
            return 0.0  # a side this machine cannot record is not "quiet"
        return max(0.0, now - max(writer.mixer.levels[side].last_sound_at, self._started_at))

    def status(self) -> RecorderStatus:
        writer = self._writer
        if writer is None:
            return IDLE_STATUS
        now = time.monotonic()
        levels = writer.mixer.levels
        lost = tuple(
            s.source.side.value
            for s in self._streams
            if now - (s.last_block_at or self._started_at) > LOST_AFTER_SECONDS
        )
        quiet_since = max(level.last_sound_at for level in levels)
        return RecorderStatus(
            recording=True,
            seconds=writer.frames / SAMPLE_RATE,
            levels_dbfs=(levels[0].dbfs, levels[1].dbfs),
            silent_for=max(0.0, now - max(quiet_since, self._started_at)),
            quiet_for=(self._quiet(writer, 0, now), self._quiet(writer, 1, now)),
            lost_sides=lost,
            rerouted=tuple((c.side, c.now_on) for c in self._watch.changes())
            if self._watch
            else (),
            overflows=sum(s.overflows for s in self._streams),
            error=writer.error,
        )


def _watch_routes(sources: list[CaptureSource]) -> PulseRouteWatch | None:
    """Watch the sound server for a device unplugged mid-call (PulseAudio/PipeWire)."""
    expected = {s.side.value: s.pulse_source for s in sources if s.pulse_source}
    if not expected or not PulseRouteWatch.available():
        return None
    watch = PulseRouteWatch(expected)
    watch.start_watching()
    return watch
