"""The encrypted audio container: recorded audio never lies on disk in plaintext.

Why a container of its own: the recorder must flush about once a second so a
crash loses at most a second or two, and a file left behind by a killed process
must still open up to its last complete piece. One AEAD over the whole file
could do neither, so the file is a sequence of sealed records, like TLS
records, each authenticated on its own with AES-256-GCM from `cryptography`
(no primitive here is hand-rolled).

Layout (all integers big-endian; sizes in bytes)::

    header, HEADER_SIZE = 81 bytes, fixed:
        magic         4   b"RCA1"
        version       1   1
        file id      16   random, names this file in every record's AAD
        wrap nonce   12   random
        wrapped key  48   AESGCM(master key).encrypt(wrap nonce, data key,
                          AAD = magic + version + file id): 32 + 16 tag
    then records, one after another until EOF:
        length        4   n = number of bytes that follow in this record
        nonce        12   random
        sealed    n - 12  AESGCM(data key).encrypt(nonce, plaintext,
                          AAD = file id + record index (8) + final flag (1))

Every file has its own random 256-bit data key, wrapped with the master key
from the keyring, so the master key never encrypts audio directly and random
nonces stay far from their collision bound (a record a second for an hour is
3,600 nonces per key). Record overhead: 32 bytes (RECORD_OVERHEAD).

What the AAD buys: the record index stops records being reordered, dropped or
duplicated; the file id stops records being spliced in from another file; the
final flag is set on exactly one record, the last one written by `close()`, so
a clean close can be told from a truncation.

Reading (`read_container`) returns only an authentic, in-order prefix of what
the writer sealed, in memory. Where it stops:

* at EOF after the final record: ``complete=True``;
* at EOF, at a record cut short, or at a record that fails to authenticate and
  is the last thing in the file: a torn tail after a crash, ``complete=False``
  and ``damaged_tail_bytes`` says how much was dropped. A crash can only tear
  the record being appended (each record is fsynced before the next is
  written), so this is all a crash can leave;
* anything else raises `ContainerError`: a record that fails to authenticate
  but has more bytes after it (a later record that authenticates proves the
  damage is in the middle: tampering or disk corruption, not a crash), or
  bytes after the final record. Cutting a file short is indistinguishable
  from a crash and is reported as ``complete=False``, which is as much as any
  format can say about a truncation.

Plaintext never touches the disk: the writer holds it in memory until it is
sealed, and the reader decrypts into memory only.
"""

from __future__ import annotations

import contextlib
import io
import os
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

MAGIC = b"RCA1"
VERSION = 1
FILE_ID_SIZE = 16
NONCE_SIZE = 12
KEY_SIZE = 32
TAG_SIZE = 16
WRAPPED_KEY_SIZE = KEY_SIZE + TAG_SIZE
HEADER_SIZE = len(MAGIC) + 1 + FILE_ID_SIZE + NONCE_SIZE + WRAPPED_KEY_SIZE  # 81

LENGTH = struct.Struct(">I")
RECORD_INDEX = struct.Struct(">Q")
RECORD_OVERHEAD = LENGTH.size + NONCE_SIZE + TAG_SIZE  # 32
MIN_SEALED = NONCE_SIZE + TAG_SIZE  # an empty record (the usual final one)
# Bounds memory in the writer if nobody flushes, and lets the reader reject a
# garbled length at once and keeps its search of a damaged tail cheap. Ogg Opus
# at libsndfile's highest bitrate (2 x 256 kbit/s) is 64 KB a second.
MAX_RECORD_PLAINTEXT = 64 * 1024
MAX_SEALED = MAX_RECORD_PLAINTEXT + MIN_SEALED
MAX_FRAMED_RECORD = LENGTH.size + MAX_SEALED

FILE_MODE = 0o600

_WRONG_KEY = "wrong key or not a Rep Companion audio file"


class ContainerError(Exception):
    """The file cannot be opened: not a container, wrong key, or tampered with."""


@dataclass(frozen=True)
class ContainerContents:
    """What `read_container` recovered; `plaintext` lives in memory only."""

    plaintext: bytes = field(repr=False)  # audio: keep it out of logs and test reports
    records: int
    complete: bool  # the final record was read: the writer closed the file cleanly
    damaged_tail_bytes: int  # bytes of a torn last record dropped after a crash


# --- the writer -------------------------------------------------------------------------


class EncryptedWriter(io.RawIOBase):
    """A write-only, append-only file object that seals what it is given into records.

    `write()` only buffers in memory; `flush()` seals the buffer as one record,
    writes it and fsyncs; `close()` seals the rest as the final record. The
    caller (the recorder's writer thread) flushes once a second. It is the file
    object soundfile writes Ogg Opus into: `tell()` is the plaintext position
    and `seek()` works only to where the writer already is, which is all
    libsndfile asks for when writing Ogg. Not thread-safe: one thread owns it.

    Leaving a `with` block by an exception, `abandon()`, or losing the object
    without closing it keeps the records already sealed and adds no final
    record, so the file reads as cut short rather than as cleanly closed.
    """

    def __init__(self, path: Path, master_key: bytes) -> None:
        super().__init__()
        self._fd: int | None = None  # first: __del__ and abandon() rely on it
        self._buffer = bytearray()
        self._position = 0  # plaintext bytes accepted so far
        self._index = 0  # index of the next record
        self._end = 0  # file size up to the last record fully written
        self._failure: OSError | None = None
        _require_key(master_key)
        self._path = Path(path)
        self._file_id = os.urandom(FILE_ID_SIZE)
        data_key = AESGCM.generate_key(bit_length=KEY_SIZE * 8)
        self._aead = AESGCM(data_key)
        self._fd = _create_exclusive(self._path)
        try:
            self._append(_header(self._file_id, data_key, master_key))
            _fsync_directory(self._path.parent)  # the new name survives a power cut too
        except BaseException:
            self._release()
            self._path.unlink(missing_ok=True)
            raise

    @property
    def path(self) -> Path:
        return self._path

    @property
    def name(self) -> str:
        return str(self._path)

    @property
    def records(self) -> int:
        """How many records have been sealed and written so far."""
        return self._index

    def readable(self) -> bool:
        return False

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, buffer: object) -> int:
        raise io.UnsupportedOperation("EncryptedWriter is write-only")

    def write(self, b: ReadableBuffer) -> int:
        """Buffer `b` in memory; seal full-size records at once if nobody flushes."""
        self._require_usable()
        data = memoryview(b).cast("B")
        self._buffer += data
        self._position += len(data)
        while len(self._buffer) >= MAX_RECORD_PLAINTEXT:
            self._seal(bytes(self._buffer[:MAX_RECORD_PLAINTEXT]), final=False)
            del self._buffer[:MAX_RECORD_PLAINTEXT]
        return len(data)

    def tell(self) -> int:
        self._require_open()
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Stay where we are; any other target raises io.UnsupportedOperation."""
        self._require_open()
        if whence == io.SEEK_SET:
            target = offset
        elif whence in (io.SEEK_CUR, io.SEEK_END):  # the current position is the end
            target = self._position + offset
        else:
            raise ValueError(f"invalid whence ({whence})")
        if target != self._position:
            raise io.UnsupportedOperation(
                f"EncryptedWriter only appends: cannot seek to {target}, the end is "
                f"at {self._position}"
            )
        return self._position

    def flush(self) -> None:
        """Seal what is buffered as one record, write it and fsync it."""
        self._require_open()
        if self._fd is None:  # io.IOBase.close() flushes after we closed the descriptor
            return
        self._require_usable()
        if self._buffer:
            self._seal(bytes(self._buffer), final=False)
            self._buffer.clear()

    def close(self) -> None:
        """Seal the rest as the final record and close the file.

        After a failed write this closes the file without a final record and
        raises the failure again: such a file is never marked as complete.
        """
        if self.closed:
            return
        failure = self._failure
        try:
            if failure is None and self._fd is not None:
                self._seal(bytes(self._buffer), final=True)
                self._buffer.clear()
        finally:
            self._release()
            super().close()
        if failure is not None:
            raise OSError(f"{self._path} was not closed cleanly: {failure}") from failure

    def abandon(self) -> None:
        """Close without sealing the buffer or a final record (after an error)."""
        if self.closed:
            return
        self._buffer.clear()
        self._release()
        super().close()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abandon()

    def __del__(self) -> None:
        # Replaces io.IOBase's finalizer, which would close() and so mark a
        # forgotten recording as cleanly finished.
        if not self.closed:
            self.abandon()

    def _seal(self, plaintext: bytes, *, final: bool) -> None:
        nonce = os.urandom(NONCE_SIZE)
        sealed = self._aead.encrypt(
            nonce, plaintext, _record_aad(self._file_id, self._index, final)
        )
        self._append(LENGTH.pack(len(nonce) + len(sealed)) + nonce + sealed)
        self._index += 1

    def _append(self, data: bytes) -> None:
        fd = self._fd
        assert fd is not None, "callers check _require_usable() first"
        try:
            _write_all(fd, data)
            os.fsync(fd)
        except OSError as error:
            self._failure = error
            _cut_back(fd, self._end)
            raise
        self._end += len(data)

    def _require_open(self) -> None:
        if self.closed:
            raise ValueError("I/O operation on closed file.")

    def _require_usable(self) -> None:
        self._require_open()
        if self._failure is not None:
            raise OSError(
                f"{self._path}: an earlier write failed ({self._failure}); abandon this file"
            ) from self._failure

    def _release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)


def _require_key(master_key: bytes) -> None:
    if not isinstance(master_key, bytes) or len(master_key) != KEY_SIZE:
        raise ValueError(f"the master key must be {KEY_SIZE} bytes")


def _create_exclusive(path: Path) -> int:
    """Create `path`, owner-only; refuse an existing file or symlink (O_EXCL)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    flags |= getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags, FILE_MODE)
    if hasattr(os, "fchmod"):
        try:
            os.fchmod(fd, FILE_MODE)  # exactly 0600, whatever the umask
        except OSError:
            os.close(fd)
            path.unlink(missing_ok=True)
            raise
    return fd


def _cut_back(fd: int, good_end: int) -> None:
    """Drop a partly written record so a reader sees a clean end; if this fails, it copes."""
    with contextlib.suppress(OSError):
        os.ftruncate(fd, good_end)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _fsync_directory(directory: Path) -> None:
    if sys.platform == "win32":  # directories cannot be opened for fsync there
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _header(file_id: bytes, data_key: bytes, master_key: bytes) -> bytes:
    prefix = MAGIC + bytes([VERSION]) + file_id
    nonce = os.urandom(NONCE_SIZE)
    wrapped = AESGCM(master_key).encrypt(nonce, data_key, prefix)
    return prefix + nonce + wrapped


def _record_aad(file_id: bytes, index: int, final: bool) -> bytes:
    return file_id + RECORD_INDEX.pack(index) + (b"\x01" if final else b"\x00")


# --- the reader -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Record:
    plaintext: bytes
    final: bool
    end: int  # offset just past this record


def read_container(path: Path, master_key: bytes) -> ContainerContents:
    """Decrypt `path` into memory, up to the last record that authenticates.

    Raises ContainerError for a file that is not a container, a wrong master
    key, or damage before the last record (see the module docstring).
    """
    _require_key(master_key)
    data = Path(path).read_bytes()
    file_id = _parse_header(data)
    data_key = _unwrap_data_key(data, master_key)
    return _read_records(data, file_id, AESGCM(data_key))


def _parse_header(data: bytes) -> bytes:
    """The file id, after checking magic, version and size."""
    if len(data) < len(MAGIC) + 1 or not data.startswith(MAGIC):
        raise ContainerError(f"{_WRONG_KEY} (no {MAGIC.decode()} header)")
    version = data[len(MAGIC)]
    if version != VERSION:
        raise ContainerError(
            f"unsupported Rep Companion audio file version {version} (this app reads {VERSION})"
        )
    if len(data) < HEADER_SIZE:
        raise ContainerError(f"{_WRONG_KEY} (header cut short at {len(data)} bytes)")
    start = len(MAGIC) + 1
    return data[start : start + FILE_ID_SIZE]


def _unwrap_data_key(data: bytes, master_key: bytes) -> bytes:
    prefix_end = len(MAGIC) + 1 + FILE_ID_SIZE
    nonce = data[prefix_end : prefix_end + NONCE_SIZE]
    wrapped = data[prefix_end + NONCE_SIZE : HEADER_SIZE]
    try:
        return AESGCM(master_key).decrypt(nonce, wrapped, data[:prefix_end])
    except InvalidTag:
        raise ContainerError(f"{_WRONG_KEY} (the file's key does not unwrap)") from None


def _read_records(data: bytes, file_id: bytes, aead: AESGCM) -> ContainerContents:
    parts: list[bytes] = []
    offset = HEADER_SIZE
    complete = False
    while offset < len(data):
        if complete:
            raise ContainerError(
                f"{len(data) - offset} bytes follow the final record at byte {offset}: "
                "the file was altered"
            )
        record = _open_record(data, offset, aead, file_id, len(parts))
        if record is None:
            _require_torn_tail(data, offset, aead, file_id, len(parts))
            return ContainerContents(b"".join(parts), len(parts), False, len(data) - offset)
        parts.append(record.plaintext)
        complete = record.final
        offset = record.end
    return ContainerContents(b"".join(parts), len(parts), complete, 0)


def _frame_end(data: bytes, offset: int) -> int | None:
    """Where the record at `offset` ends, or None if its length is garbled or runs past EOF."""
    if offset + LENGTH.size > len(data):
        return None
    (length,) = LENGTH.unpack_from(data, offset)
    end = offset + LENGTH.size + length
    if not MIN_SEALED <= length <= MAX_SEALED or end > len(data):
        return None
    return end


def _open_record(
    data: bytes, offset: int, aead: AESGCM, file_id: bytes, index: int
) -> _Record | None:
    """The record at `offset` if it is whole and authenticates as record `index`."""
    end = _frame_end(data, offset)
    if end is None:
        return None
    nonce_start = offset + LENGTH.size
    nonce = data[nonce_start : nonce_start + NONCE_SIZE]
    sealed = data[nonce_start + NONCE_SIZE : end]
    for final in (False, True):  # only the last record is final: try the common case first
        try:
            plaintext = aead.decrypt(nonce, sealed, _record_aad(file_id, index, final))
        except InvalidTag:
            continue
        return _Record(plaintext, final, end)
    return None


def _require_torn_tail(data: bytes, offset: int, aead: AESGCM, file_id: bytes, index: int) -> None:
    """Raise unless the bad record `index` at `offset` can be a crash's torn tail.

    A crash tears only the record being appended, so the damage must be no
    longer than one record and must be the last thing in the file: a whole
    record followed by more bytes, or a later record that authenticates,
    proves damage in the middle.
    """
    tail = len(data) - offset
    problem = f"record {index} at byte {offset} fails to authenticate"
    if tail > MAX_FRAMED_RECORD:
        raise ContainerError(f"{problem} and {tail} bytes follow it: tampered or corrupted")
    end = _frame_end(data, offset)
    if end is not None and end < len(data):
        raise ContainerError(
            f"{problem} and {len(data) - end} bytes follow it: tampered or corrupted"
        )
    for later in range(offset + RECORD_OVERHEAD, len(data) - RECORD_OVERHEAD + 1):
        if _open_record(data, later, aead, file_id, index + 1) is not None:
            raise ContainerError(
                f"{problem} but record {index + 1} at byte {later} does: tampered or corrupted"
            )
