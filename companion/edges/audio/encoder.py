"""Ogg Opus into the encrypted container: libopus (through PyAV) encodes, the container seals.

PyAV's FFmpeg muxes the Ogg stream straight into `EncryptedWriter`, which holds
plaintext only in memory; `flush()` seals what has been written as one record.
Imported only when a recording starts (or is recovered): numpy and FFmpeg cost
memory that the idle tray app must not pay.

Why PyAV and not libsndfile: libsndfile sets no Opus complexity or application, so
libopus ran at complexity 10 on coupled stereo and took three quarters of the recorder's
CPU. Here the encoder is set for speech, and each side is its own mono Opus stream
(channel mapping family 255, "discrete channels" in RFC 7845): coupled stereo at this
bitrate would blend the mic and the far end. Offline, 60 s of two voices in 100 ms
writes: libsndfile 12.5 % of a core, this encoder 2.0 % (2.9 % at complexity 10).
libsndfile (soundfile) still decodes these files, and export still writes with it.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import av
import numpy as np

from companion.edges.audio.capture import SAMPLE_RATE
from companion.edges.audio.container.writer import EncryptedWriter

# Both sides together; libopus gives each stream half. 16 kbit/s per side is Opus's
# recommended rate for wideband speech: ~14 MB per hour including the Ogg pages.
BITRATE = 32_000
# libopus's 0 (fastest) to 10 (its default, best). At 16 kbit/s per side speech goes
# through SILK, where 5 costs about two thirds of 10 for a difference hard to hear.
COMPLEXITY = 5
# Keep the bits on the speech band: without a cap, 16 kbit/s per side goes hybrid
# super-wideband and spends part of them above 8 kHz.
CUTOFF_HZ = 8_000
# The Ogg muxer closes a page at this duration (in µs) and writes it out with the next
# packet; flush() cannot force the page being filled out (FFmpeg can, PyAV does not
# expose it), and FFmpeg holds back one complete page as well, so a crash loses up to one
# flush interval (1 s) + two pages + one poll, plus the mixer's lag when a side stalls:
# 100 ms pages keep that under 2 s. Each page costs ~37 bytes (~1.3 MB per hour here).
PAGE_DURATION_US = 100_000

_LAYOUTS = {1: "mono", 2: "stereo"}


def _speech_options(bitrate: int) -> dict[str, str]:
    """libopus set for speech; each side its own mono stream, so they never blend."""
    return {
        "application": "voip",
        "b": str(bitrate),
        "compression_level": str(COMPLEXITY),
        "mapping_family": "255",
    }


class EncryptedOpusSink:
    def __init__(self, path: Path, master_key: bytes, channels: int = 2) -> None:
        if channels not in _LAYOUTS:
            raise ValueError(f"EncryptedOpusSink takes 1 or 2 channels, not {channels}")
        self._channels = channels
        self._layout = _LAYOUTS[channels]
        self._samples = 0  # pts of the next frame, in samples
        self._writer = EncryptedWriter(path, master_key)
        try:
            self._container = av.open(
                self._writer,
                "w",
                format="ogg",
                # flush_packets: each page reaches the writer as soon as it is complete.
                options={"page_duration": str(PAGE_DURATION_US), "flush_packets": "1"},
            )
            self._stream = self._container.add_stream(
                "libopus",
                rate=SAMPLE_RATE,
                options={
                    **_speech_options(BITRATE),
                    "cutoff": str(CUTOFF_HZ),
                    "frame_duration": "20",
                    "vbr": "on",
                },
            )
            self._stream.layout = self._layout
            self._stream.format = "s16"
        except BaseException:
            self._writer.abandon()
            path.unlink(missing_ok=True)
            raise

    def write(self, frames: np.ndarray) -> None:
        """Encode (n, channels) int16 frames, or floats in [-1, 1]."""
        if len(frames) == 0:
            return
        if frames.dtype != np.int16:
            frames = (np.clip(frames, -1.0, 1.0) * 32767).astype(np.int16)
        samples = np.ascontiguousarray(frames).reshape(1, -1)  # packed s16: L R L R ...
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout=self._layout)
        frame.sample_rate = SAMPLE_RATE
        frame.pts = self._samples
        self._samples += len(frames)
        self._container.mux(self._stream.encode(frame))

    def flush(self) -> None:
        """Seal every complete Ogg page so far (pages close every PAGE_DURATION_US)."""
        self._writer.flush()

    def close(self) -> None:
        self._container.mux(self._stream.encode(None))  # the encoder's last packets
        self._container.close()  # the last page, marked end of stream, into the writer
        self._writer.close()

    def abandon(self) -> None:
        """After a write error: keep the records already sealed, add nothing."""
        with contextlib.suppress(OSError):
            self._writer.abandon()  # a closed writer: the container writes no trailer


# A call's audio re-encoded for the organisation's package: a little above the recording's
# rate so the second encoding loses little.
PACKAGE_BITRATE = 48_000


def encode_ogg_opus(frames: np.ndarray, rate: int = SAMPLE_RATE) -> bytes:
    """Ogg Opus bytes that are the same for the same samples, run after run.

    A fixed Ogg serial and FFmpeg's bitexact mode make the output deterministic, so a
    package rebuilt for a retry is byte for byte what was half-sent before (libsndfile
    picks a random serial each time).
    """
    if frames.dtype != np.int16:
        frames = (np.clip(frames, -1.0, 1.0) * 32767).astype(np.int16)
    if frames.ndim == 1:
        frames = frames.reshape(-1, 1)
    layout = _LAYOUTS[frames.shape[1]]
    buffer = io.BytesIO()
    with av.open(
        buffer, "w", format="ogg", options={"serial_offset": "1", "fflags": "+bitexact"}
    ) as container:
        stream = container.add_stream(
            "libopus",
            rate=rate,
            options=_speech_options(PACKAGE_BITRATE),
        )
        stream.layout = layout
        stream.format = "s16"
        if len(frames):
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(frames).reshape(1, -1), format="s16", layout=layout
            )
            frame.sample_rate, frame.pts = rate, 0
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return buffer.getvalue()
