"""The recorder's encoder: Ogg Opus from libopus (PyAV) into the encrypted container.

Real files, real libopus, real AES-GCM; read back with `decode_segment`
(libsndfile), as recovery, review and export do.
"""

from __future__ import annotations

import errno
from pathlib import Path

import numpy as np
import pytest

from companion.edges.audio import encoder
from companion.edges.audio.container.reader import read_container
from companion.edges.audio.container.writer import EncryptedWriter
from companion.edges.audio.decode import decode_segment
from companion.edges.audio.encoder import EncryptedOpusSink

RATE = 48_000
KEY = bytes(range(32))
BATCH = 4_800  # the recorder's writer hands over about 100 ms at a time


def tones(seconds: float, left_hz: float = 440.0, right_hz: float = 1_500.0) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    sides = [0.3 * np.sin(2 * np.pi * hz * t) for hz in (left_hz, right_hz)]
    return (np.stack(sides, axis=1) * 32767).astype(np.int16)


def write_batches(sink: EncryptedOpusSink, frames: np.ndarray) -> None:
    for start in range(0, len(frames), BATCH):
        sink.write(frames[start : start + BATCH])


def level_at(signal: np.ndarray, hz: float) -> float:
    """dB of the spectrum at `hz` relative to the spectrum's peak."""
    spectrum = np.abs(np.fft.rfft(signal.astype(np.float64) * np.hanning(len(signal))))
    peak = spectrum.max()
    return float(20 * np.log10(spectrum[round(hz * len(signal) / RATE)] / peak))


def test_round_trip_keeps_the_two_sides_apart(tmp_path: Path) -> None:
    sink = EncryptedOpusSink(tmp_path / "a.rca", KEY)
    write_batches(sink, tones(3.0))
    sink.close()

    segment = decode_segment(tmp_path / "a.rca", KEY)
    assert segment.complete
    assert segment.rate == RATE
    assert segment.frames.shape == (3 * RATE, 2)
    middle = segment.frames[RATE : 2 * RATE]
    mic, far = middle[:, 0], middle[:, 1]
    assert level_at(mic, 440) == pytest.approx(0, abs=1)
    assert level_at(far, 1_500) == pytest.approx(0, abs=1)
    # Each side is its own Opus stream: nothing of one side leaks into the other.
    assert level_at(mic, 1_500) < -40
    assert level_at(far, 440) < -40


def test_flush_seals_all_but_the_page_being_filled(tmp_path: Path) -> None:
    path = tmp_path / "crash.rca"
    sink = EncryptedOpusSink(path, KEY)
    decoded = []
    for _ in range(3):
        write_batches(sink, tones(1.0))
        sink.flush()
        decoded.append(decode_segment(path, KEY).seconds)
    sink.abandon()  # as after a crash: nothing more reaches the file

    segment = decode_segment(path, KEY)
    assert not segment.complete
    assert segment.seconds == decoded[-1]
    # At most one Ogg page (PAGE_DURATION_US) and the encoder's look-ahead are held back.
    held_back = encoder.PAGE_DURATION_US / 1e6 + 0.05
    for seconds_written, seconds_sealed in zip((1, 2, 3), decoded, strict=True):
        assert seconds_written - held_back <= seconds_sealed <= seconds_written


def test_float_frames_and_one_big_write(tmp_path: Path) -> None:
    """Recovery re-encodes a whole decoded segment in one call."""
    frames = tones(2.0).astype(np.float32) / 32768
    sink = EncryptedOpusSink(tmp_path / "f.rca", KEY)
    sink.write(frames)
    sink.close()
    segment = decode_segment(tmp_path / "f.rca", KEY)
    assert segment.frames.shape == (2 * RATE, 2)
    assert level_at(segment.frames[RATE // 2 : RATE + RATE // 2, 0], 440) == pytest.approx(0, abs=1)


def test_speech_band_noise_stays_under_the_storage_budget(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    noise = (rng.standard_normal((10 * RATE, 2)) * 3000).astype(np.int16)
    path = tmp_path / "n.rca"
    sink = EncryptedOpusSink(path, KEY)
    write_batches(sink, noise)
    sink.close()
    megabytes_per_hour = path.stat().st_size / 10 * 3600 / 1e6
    assert megabytes_per_hour < 16


def test_a_close_without_audio_leaves_an_empty_complete_file(tmp_path: Path) -> None:
    sink = EncryptedOpusSink(tmp_path / "e.rca", KEY)
    sink.close()
    assert read_container(tmp_path / "e.rca", KEY).complete
    assert decode_segment(tmp_path / "e.rca", KEY).seconds == 0


def test_a_full_disk_reaches_the_writer_thread_as_oserror(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class FullDisk(EncryptedWriter):
        def write(self, b: object) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(encoder, "EncryptedWriter", FullDisk)
    sink = EncryptedOpusSink(tmp_path / "full.rca", KEY)
    with pytest.raises(OSError) as raised:
        write_batches(sink, tones(1.0))
    assert raised.value.errno == errno.ENOSPC
    sink.abandon()
    assert read_container(tmp_path / "full.rca", KEY).records == 0
