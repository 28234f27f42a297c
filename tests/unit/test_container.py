"""The encrypted audio container: round trips, refusals, torn tails and tampering.

Real files in tmp_path, real AES-GCM, real libsndfile writing Ogg Opus through
the writer; the damaged files are made by editing bytes at offsets taken from
the documented layout.
"""

from __future__ import annotations

import io
import itertools
import os
import stat
import uuid
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from keyring.backends import fail

from companion.edges.audio.container.format import (
    HEADER_SIZE,
    LENGTH,
    MAX_RECORD_PLAINTEXT,
    RECORD_OVERHEAD,
    ContainerError,
)
from companion.edges.audio.container.keys import AudioKeys
from companion.edges.audio.container.reader import read_container
from companion.edges.audio.container.writer import EncryptedWriter
from companion.edges.secrets import SecretStore, SecretStoreError

RATE = 48_000
KEY = bytes(range(32))
CHUNKS = [os.urandom(n) for n in (100, 1, 300, 50, 200)]  # five data records, then a final one
PLAINTEXT = b"".join(CHUNKS)


def write_chunks(path: Path, chunks: list[bytes] = CHUNKS, *, close: bool = True) -> None:
    writer = EncryptedWriter(path, KEY)
    for chunk in chunks:
        writer.write(chunk)
        writer.flush()
    if close:
        writer.close()
    else:
        writer.abandon()


def record_spans(data: bytes) -> list[tuple[int, int]]:
    """(start, end) of each record, read from the length fields (the documented layout)."""
    spans, offset = [], HEADER_SIZE
    while offset < len(data):
        (length,) = LENGTH.unpack_from(data, offset)
        spans.append((offset, offset + LENGTH.size + length))
        offset += LENGTH.size + length
    return spans


def sine_seconds(seconds: float, left_hz: float = 440.0, right_hz: float = 660.0) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    both = [np.sin(2 * np.pi * left_hz * t), np.sin(2 * np.pi * right_hz * t)]
    return (0.3 * np.stack(both, axis=1)).astype(np.float32)


def dominant_hz(signal: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(signal * np.hanning(len(signal))))
    return float(np.argmax(spectrum) * RATE / len(signal))


def opus_file(writer: EncryptedWriter) -> sf.SoundFile:
    return sf.SoundFile(writer, "w", RATE, 2, format="OGG", subtype="OPUS")


@pytest.fixture
def path(tmp_path: Path) -> Path:
    recordings = tmp_path / "recordings"
    recordings.mkdir()
    return recordings / "call.rca"


# --- round trips ------------------------------------------------------------------------


def test_random_bytes_round_trip(path):
    write_chunks(path)
    contents = read_container(path, KEY)
    assert contents.plaintext == PLAINTEXT
    assert contents.records == len(CHUNKS) + 1  # the final record, empty here
    assert contents.complete
    assert contents.damaged_tail_bytes == 0


def test_file_size_is_header_plus_plaintext_plus_32_bytes_a_record(path):
    write_chunks(path)
    assert path.stat().st_size == HEADER_SIZE + len(PLAINTEXT) + RECORD_OVERHEAD * 6


def test_flush_without_new_data_writes_no_record(path):
    writer = EncryptedWriter(path, KEY)
    writer.write(b"abc")
    writer.flush()
    writer.flush()
    assert writer.records == 1
    writer.close()


def test_writes_larger_than_a_record_are_split_and_come_back_whole(path):
    big = os.urandom(2 * MAX_RECORD_PLAINTEXT + 123)
    writer = EncryptedWriter(path, KEY)
    writer.write(big)
    assert writer.records == 2  # sealed in write(): no plaintext piles up in memory
    writer.close()
    contents = read_container(path, KEY)
    assert contents.plaintext == big
    assert contents.records == 3
    assert contents.complete


def test_empty_recording_is_complete_and_empty(path):
    EncryptedWriter(path, KEY).close()
    contents = read_container(path, KEY)
    assert (contents.plaintext, contents.records, contents.complete) == (b"", 1, True)


def test_ogg_opus_through_soundfile_round_trips(path):
    audio = sine_seconds(3.0)
    writer = EncryptedWriter(path, KEY)
    with opus_file(writer) as sound:
        for second in range(3):
            sound.write(audio[second * RATE : (second + 1) * RATE])
            sound.flush()
            writer.flush()
    writer.close()

    contents = read_container(path, KEY)
    assert contents.complete
    decoded, rate = sf.read(io.BytesIO(contents.plaintext), dtype="float32")
    assert rate == RATE
    assert decoded.shape == audio.shape
    middle = decoded[RATE : 2 * RATE]
    assert dominant_hz(middle[:, 0]) == pytest.approx(440, abs=2)
    assert dominant_hz(middle[:, 1]) == pytest.approx(660, abs=2)


def test_soundfile_flush_then_writer_flush_makes_a_record_each_second(path):
    # libsndfile 1.2.2 ignores SoundFile.flush() for Ogg: it writes a page by itself once
    # a second of audio has piled up (its Ogg page latency), inside SoundFile.write().
    # So the first flush seals the Ogg headers, and every later one an audio page.
    audio = sine_seconds(4.0)
    writer = EncryptedWriter(path, KEY)
    sound = opus_file(writer)
    sizes = []
    for second in range(4):
        sound.write(audio[second * RATE : (second + 1) * RATE])
        sound.flush()
        writer.flush()
        assert writer.records == second + 1
        sizes.append(writer.tell())
    assert all(later > earlier for earlier, later in itertools.pairwise(sizes))
    sound.close()
    writer.close()

    flushed = read_container(path, KEY)
    assert flushed.plaintext[: sizes[-1]].startswith(b"OggS")


def test_soundfile_accepts_a_write_only_writer(path):
    writer = EncryptedWriter(path, KEY)
    assert not writer.readable()
    assert writer.writable()
    with opus_file(writer) as sound:  # opening asks for seek(0, 2), seek(0, 0) and tell()
        sound.write(sine_seconds(0.1))
    writer.close()
    assert read_container(path, KEY).complete


# --- the file on disk -------------------------------------------------------------------


def test_no_plaintext_reaches_the_disk(path):
    audio = sine_seconds(3.0)
    writer = EncryptedWriter(path, KEY)
    sound = opus_file(writer)
    snapshots = []
    for second in range(3):
        sound.write(audio[second * RATE : (second + 1) * RATE])
        sound.flush()
        writer.flush()
        snapshots.append(path.read_bytes())
    sound.close()
    writer.close()
    snapshots.append(path.read_bytes())

    assert read_container(path, KEY).plaintext.startswith(b"OggS")  # it was Ogg Opus...
    for on_disk in snapshots:  # ...but no Ogg page header or Opus packet header is visible
        for marker in (b"OggS", b"OpusHead", b"OpusTags"):
            assert marker not in on_disk
    assert sorted(path.parent.iterdir()) == [path]  # and no temporary file beside it


def test_file_is_owner_only_whatever_the_umask(path):
    previous = os.umask(0)
    try:
        write_chunks(path)
    finally:
        os.umask(previous)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_refuses_to_overwrite_an_existing_file(path):
    path.write_bytes(b"an earlier recording")
    with pytest.raises(FileExistsError):
        EncryptedWriter(path, KEY)
    assert path.read_bytes() == b"an earlier recording"


def test_refuses_to_follow_a_symlink(path, tmp_path):
    target = tmp_path / "elsewhere"
    path.symlink_to(target)
    with pytest.raises(FileExistsError):
        EncryptedWriter(path, KEY)
    assert not target.exists()


def test_seeks_only_to_where_it_already_is(path):
    writer = EncryptedWriter(path, KEY)
    assert writer.seek(0, io.SEEK_END) == 0
    assert writer.seek(0, io.SEEK_SET) == 0
    writer.write(b"12345")
    assert writer.tell() == 5
    assert writer.seek(0, io.SEEK_END) == 5
    assert writer.seek(0, io.SEEK_CUR) == 5
    assert writer.seek(5) == 5
    for offset, whence in ((0, io.SEEK_SET), (-1, io.SEEK_END), (1, io.SEEK_CUR)):
        with pytest.raises(io.UnsupportedOperation):
            writer.seek(offset, whence)
    with pytest.raises(io.UnsupportedOperation):
        writer.read(1)
    with pytest.raises(io.UnsupportedOperation):
        writer.fileno()  # nobody gets to write around the encryption
    writer.close()


def test_closed_writer_refuses_writes(path):
    writer = EncryptedWriter(path, KEY)
    writer.close()
    writer.close()  # closing twice is fine
    with pytest.raises(ValueError, match="closed"):
        writer.write(b"late")
    assert read_container(path, KEY).records == 1


def test_master_key_must_be_32_bytes(path):
    with pytest.raises(ValueError, match="32 bytes"):
        EncryptedWriter(path, b"short")
    assert not path.exists()


# --- reading what is not ours -----------------------------------------------------------


def test_wrong_key_is_refused(path):
    write_chunks(path)
    with pytest.raises(ContainerError, match="wrong key or not a Rep Companion audio file"):
        read_container(path, bytes(32))


@pytest.mark.parametrize(
    "content",
    [b"", b"RCA", b"OggS" + bytes(200), os.urandom(500)],
    ids=["empty", "short", "ogg", "random"],
)
def test_other_files_are_refused(path, content):
    path.write_bytes(content)
    with pytest.raises(ContainerError, match="not a Rep Companion audio file"):
        read_container(path, KEY)


def test_unknown_version_is_refused(path):
    write_chunks(path)
    data = bytearray(path.read_bytes())
    data[4] = 99
    path.write_bytes(bytes(data))
    with pytest.raises(ContainerError, match="version 99"):
        read_container(path, KEY)


@pytest.mark.parametrize("offset", [5, 20, 21, 32, 33, HEADER_SIZE - 1], ids=str)
def test_altered_header_is_refused(path, offset):
    write_chunks(path)
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(ContainerError, match="wrong key or not a Rep Companion audio file"):
        read_container(path, KEY)


# --- crashes: torn tails are recovered --------------------------------------------------


def test_file_cut_mid_record_gives_back_the_records_before(path):
    write_chunks(path)
    data = path.read_bytes()
    start, end = record_spans(data)[3]
    path.write_bytes(data[: start + (end - start) // 2])

    contents = read_container(path, KEY)
    assert contents.plaintext == b"".join(CHUNKS[:3])
    assert contents.records == 3
    assert not contents.complete
    assert contents.damaged_tail_bytes == (end - start) // 2


@pytest.mark.parametrize("keep", [1, 2, 3, 4], ids=["length", "nonce", "no-tag", "one-short"])
def test_every_cut_inside_a_record_is_a_torn_tail(path, keep):
    write_chunks(path)
    data = path.read_bytes()
    start, end = record_spans(data)[2]
    cut = {1: start + 2, 2: start + 10, 3: end - 16, 4: end - 1}[keep]
    path.write_bytes(data[:cut])
    contents = read_container(path, KEY)
    assert contents.plaintext == b"".join(CHUNKS[:2])
    assert (contents.complete, contents.damaged_tail_bytes) == (False, cut - start)


def test_file_cut_between_records_is_incomplete_but_undamaged(path):
    write_chunks(path)
    data = path.read_bytes()
    path.write_bytes(data[: record_spans(data)[4][0]])
    contents = read_container(path, KEY)
    assert contents.plaintext == b"".join(CHUNKS[:4])
    assert (contents.complete, contents.damaged_tail_bytes) == (False, 0)


def test_abandoned_writer_leaves_an_incomplete_file(path):
    write_chunks(path, close=False)
    contents = read_container(path, KEY)
    assert contents.plaintext == PLAINTEXT
    assert not contents.complete


def test_leaving_with_block_by_an_exception_does_not_mark_the_file_complete(path):
    with pytest.raises(RuntimeError), EncryptedWriter(path, KEY) as writer:
        writer.write(b"kept")
        writer.flush()
        writer.write(b"unflushed")
        raise RuntimeError("the recorder failed")
    contents = read_container(path, KEY)
    assert contents.plaintext == b"kept"
    assert not contents.complete


def test_header_only_file_is_an_empty_incomplete_recording(path):
    write_chunks(path)
    path.write_bytes(path.read_bytes()[:HEADER_SIZE])
    contents = read_container(path, KEY)
    assert (contents.plaintext, contents.records, contents.complete) == (b"", 0, False)


def test_garbage_last_record_is_a_torn_tail(path):
    # What a power cut can leave: the last record's bytes never made it to disk.
    write_chunks(path)
    data = path.read_bytes()
    start, end = record_spans(data)[-1]
    path.write_bytes(data[:start] + bytes(end - start))
    contents = read_container(path, KEY)
    assert contents.plaintext == PLAINTEXT
    assert (contents.complete, contents.damaged_tail_bytes) == (False, end - start)


# --- tampering in the middle is an error ------------------------------------------------


@pytest.mark.parametrize(
    "where", ["length-high", "length-low", "nonce", "ciphertext", "tag"], ids=str
)
def test_flipped_byte_in_a_middle_record_is_an_error(path, where):
    write_chunks(path)
    data = bytearray(path.read_bytes())
    start, end = record_spans(bytes(data))[2]
    offset = {
        "length-high": start,
        "length-low": start + 3,
        "nonce": start + 4,
        "ciphertext": start + 4 + 12 + 5,
        "tag": end - 1,
    }[where]
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(ContainerError, match="tampered or corrupted"):
        read_container(path, KEY)


def test_swapped_records_are_an_error(path):
    write_chunks(path)
    data = path.read_bytes()
    (a_start, a_end), (b_start, b_end) = record_spans(data)[1:3]
    swapped = data[:a_start] + data[b_start:b_end] + data[a_start:a_end] + data[b_end:]
    assert len(swapped) == len(data)
    path.write_bytes(swapped)
    with pytest.raises(ContainerError, match="record 1 at byte"):
        read_container(path, KEY)


def test_dropped_middle_record_is_an_error(path):
    write_chunks(path)
    data = path.read_bytes()
    start, end = record_spans(data)[2]
    path.write_bytes(data[:start] + data[end:])
    with pytest.raises(ContainerError, match="tampered or corrupted"):
        read_container(path, KEY)


def test_record_from_another_file_is_an_error(path, tmp_path):
    write_chunks(path)
    other = tmp_path / "other.rca"
    write_chunks(other)
    data, foreign = path.read_bytes(), other.read_bytes()
    start, end = record_spans(data)[2]
    f_start, f_end = record_spans(foreign)[2]
    path.write_bytes(data[:start] + foreign[f_start:f_end] + data[end:])
    with pytest.raises(ContainerError, match="tampered or corrupted"):
        read_container(path, KEY)


def test_bytes_after_the_final_record_are_an_error(path):
    write_chunks(path)
    data = path.read_bytes()
    path.write_bytes(data + data[record_spans(data)[1][0] : record_spans(data)[1][1]])
    with pytest.raises(ContainerError, match="follow the final record"):
        read_container(path, KEY)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(position=st.integers(min_value=0), bit=st.integers(min_value=0, max_value=7))
def test_any_flipped_bit_gives_an_error_or_an_authentic_prefix(tmp_path, position, bit):
    path = tmp_path / f"flip-{uuid.uuid4().hex}.rca"
    write_chunks(path)
    data = bytearray(path.read_bytes())
    last_start = record_spans(bytes(data))[-1][0]
    offset = HEADER_SIZE + position % (len(data) - HEADER_SIZE)
    data[offset] ^= 1 << bit
    path.write_bytes(bytes(data))

    if offset < last_start:  # anywhere but the last record: always caught
        with pytest.raises(ContainerError):
            read_container(path, KEY)
        return
    try:
        contents = read_container(path, KEY)
    except ContainerError:
        return
    assert contents.plaintext == PLAINTEXT  # never altered plaintext...
    assert not contents.complete  # ...and never passed off as a clean close


# --- the master key ---------------------------------------------------------------------


def test_master_key_needs_a_keyring():
    keys = AudioKeys(SecretStore(backend=fail.Keyring()))
    with pytest.raises(SecretStoreError):
        keys.master_key()
