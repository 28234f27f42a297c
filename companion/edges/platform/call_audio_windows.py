"""Windows: the speakers' sound through WASAPI loopback (PyAudioWPatch).

sounddevice's PortAudio has no WASAPI loopback; PyAudioWPatch's does: it lists every
output as a loopback input, and `get_default_wasapi_loopback()` names the one of the
default speakers. The stream runs at the device's own rate and channel count (WASAPI
shared mode does not resample), which `open` returns for the writer to convert.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from companion.core.calls.grant import CaptureGrant
from companion.edges.audio.capture import BLOCK_FRAMES, SAMPLE_RATE, Block
from companion.edges.audio.devices import AudioUnavailable
from companion.edges.platform.call_audio import CallAudioFormat

PA_INT16 = 8  # pyaudio.paInt16
PA_CONTINUE = 0  # pyaudio.paContinue
PA_COMPLETE = 1  # pyaudio.paComplete: the stream stops itself


class LoopbackStream(Protocol):
    def start_stream(self) -> None: ...

    def stop_stream(self) -> None: ...

    def close(self) -> None: ...


class PyAudioLike(Protocol):
    """What we call on `pyaudiowpatch.PyAudio()`."""

    def get_default_wasapi_loopback(self) -> Mapping[str, Any]: ...

    def open(self, **options: Any) -> LoopbackStream: ...

    def terminate(self) -> None: ...


def real_pyaudio() -> PyAudioLike:
    import pyaudiowpatch

    audio: PyAudioLike = pyaudiowpatch.PyAudio()
    return audio


def to_call_format(layout: CallAudioFormat) -> Callable[[bytes], bytes]:
    """The device's int16 frames as the recorder's 48 kHz mono (a streaming resampler:
    microseconds for a 40 ms block, so it stays in the callback rather than add a thread)."""
    import numpy as np
    import soxr

    if (layout.rate, layout.channels) == (SAMPLE_RATE, 1):
        return bytes
    resampler = soxr.ResampleStream(layout.rate, SAMPLE_RATE, 1, dtype="int16")

    def convert(data: bytes) -> bytes:
        frames = np.frombuffer(data, dtype=np.int16).reshape(-1, layout.channels)
        mono = frames.mean(axis=1, dtype=np.float32).astype(np.int16)
        if layout.rate == SAMPLE_RATE:
            return mono.tobytes()
        return bytes(resampler.resample_chunk(mono).tobytes())

    return convert


class WasapiLoopbackAudio:
    def __init__(self, pyaudio: Callable[[], PyAudioLike] = real_pyaudio) -> None:
        self._pyaudio = pyaudio
        self._audio: PyAudioLike | None = None
        self._stream: LoopbackStream | None = None

    def find(self) -> str | None:
        audio = self._pyaudio()
        try:
            return f"{audio.get_default_wasapi_loopback()['name']}"
        except (OSError, LookupError):
            return None
        finally:
            audio.terminate()

    def open(
        self, grant: CaptureGrant, blocks: queue.SimpleQueue[Block], index: int
    ) -> CallAudioFormat:
        grant.require_active()
        audio = self._pyaudio()
        try:
            device = audio.get_default_wasapi_loopback()
            layout = CallAudioFormat(
                int(device["defaultSampleRate"]), int(device["maxInputChannels"])
            )

            convert = to_call_format(layout)

            def deliver(
                data: bytes | None, _frames: int, _time: object, _status: int
            ) -> tuple[None, int]:
                if not grant.active:
                    return None, PA_COMPLETE  # consent is gone: not one more block
                blocks.put(Block(index, convert(data or b""), time.monotonic()))
                return None, PA_CONTINUE

            stream = audio.open(
                format=PA_INT16,
                channels=layout.channels,
                rate=layout.rate,
                input=True,
                input_device_index=int(device["index"]),
                frames_per_buffer=BLOCK_FRAMES * layout.rate // 48_000,
                stream_callback=deliver,
            )
            stream.start_stream()
        except (OSError, LookupError, ValueError) as error:
            audio.terminate()
            raise AudioUnavailable(
                f"Windows would not share the speakers' sound ({error}).",
                "Check Settings > System > Sound > Output, or record only your side.",
            ) from error
        self._audio, self._stream = audio, stream
        return layout

    def close(self) -> None:
        stream, self._stream = self._stream, None
        audio, self._audio = self._audio, None
        if stream is not None:
            stream.stop_stream()
            stream.close()
        if audio is not None:
            audio.terminate()
