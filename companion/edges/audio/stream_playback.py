"""Playing an Ogg Opus file held in memory while it decodes: the desk's first sound comes
after one block, not after decoding an hour of audio (about 150x real time on 2 cores,
so an hour took some 25 s before the first sample)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator

import numpy as np
import soundfile as sf

from companion.edges.audio.devices import AudioUnavailable

BLOCK_FRAMES = 4_800  # 0.1 s at 48 kHz


def ogg_blocks(data: bytes, frames: int = BLOCK_FRAMES) -> Iterator[tuple[np.ndarray, int]]:
    """The audio as (int16 block, rate), decoded block by block."""
    with sf.SoundFile(io.BytesIO(data)) as sound:
        rate = int(sound.samplerate)
        for block in sound.blocks(frames, dtype="int16", always_2d=True):
            yield block, rate


def play_ogg(data: bytes, first_sound: Callable[[], None] = lambda: None) -> float:
    """Play the whole file through the default output; returns the seconds played.

    `first_sound` is called once, right after the first block went to the device.
    """
    import sounddevice as sd

    played, stream = 0, None
    try:
        for block, rate in ogg_blocks(data):
            if stream is None:
                stream = sd.OutputStream(samplerate=rate, channels=block.shape[1], dtype="int16")
                stream.start()
                stream.write(np.ascontiguousarray(block))
                first_sound()
            else:
                stream.write(np.ascontiguousarray(block))
            played += len(block)
        if stream is not None:
            sd.sleep(int(stream.latency * 1000) + 100)  # let the last buffer be heard
    except sd.PortAudioError as error:
        raise AudioUnavailable(f"cannot play audio: {error}") from error
    finally:
        if stream is not None:
            stream.stop()
            stream.close()
    return played / rate if played else 0.0
