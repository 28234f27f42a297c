"""Ogg Opus into the encrypted container: libsndfile encodes, the container seals.

soundfile writes the Ogg stream into `EncryptedWriter`, which holds plaintext
only in memory; `flush()` forces an Ogg page out and seals it as one record.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np
import soundfile as sf

from companion.audio.capture import SAMPLE_RATE
from companion.audio.container import EncryptedWriter

# libsndfile aims each channel at (1 - level) * 250 + 6 kbit/s: 0.963 gives about 15 MB
# per hour for both sides (measured), while keeping the two sides apart in the stereo
# image (0.97 and above start to blend them).
COMPRESSION_LEVEL = 0.963
# libsndfile closes an Ogg page every 1000 ms by default and flush() does not force
# one out; 500 ms pages bound what a crash can lose (page + flush interval).
PAGE_LATENCY_MS = 500.0
_SFC_SET_OGG_PAGE_LATENCY_MS = 0x1302


class EncryptedOpusSink:
    def __init__(self, path: Path, master_key: bytes, channels: int = 2) -> None:
        self._writer = EncryptedWriter(path, master_key)
        self._file = sf.SoundFile(
            self._writer,
            "w",
            SAMPLE_RATE,
            channels,
            format="OGG",
            subtype="OPUS",
            compression_level=COMPRESSION_LEVEL,
        )
        _set_page_latency(self._file, PAGE_LATENCY_MS)

    def write(self, frames: np.ndarray) -> None:
        self._file.write(frames)

    def flush(self) -> None:
        self._file.flush()
        self._writer.flush()

    def close(self) -> None:
        self._file.close()  # the SoundFile first: it writes its last page into the writer
        self._writer.close()

    def abandon(self) -> None:
        """After a write error: keep the records already sealed, add nothing."""
        with contextlib.suppress(OSError):
            self._writer.abandon()


def _set_page_latency(sound: sf.SoundFile, milliseconds: float) -> None:
    """soundfile has no public call for SFC_SET_OGG_PAGE_LATENCY_MS; libsndfile does."""
    value = sf._ffi.new("double*", milliseconds)
    sf._snd.sf_command(sound._file, _SFC_SET_OGG_PAGE_LATENCY_MS, value, 8)
