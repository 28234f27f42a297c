"""Writing the encrypted audio container: `EncryptedWriter` (layout in `format`).

Why records, sealed and fsynced one at a time: a crash then tears at most the
record being appended, and everything before it still reads back. Plaintext
never touches the disk: the writer holds it in memory until it is sealed.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from companion.edges.audio.container.format import (
    FILE_ID_SIZE,
    FILE_MODE,
    KEY_SIZE,
    LENGTH,
    MAX_RECORD_PLAINTEXT,
    NONCE_SIZE,
    record_aad,
    require_key,
    seal_header,
)

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer


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
        require_key(master_key)
        self._path = Path(path)
        self._file_id = os.urandom(FILE_ID_SIZE)
        data_key = AESGCM.generate_key(bit_length=KEY_SIZE * 8)
        self._aead = AESGCM(data_key)
        self._fd = _create_exclusive(self._path)
        try:
            self._append(seal_header(self._file_id, data_key, master_key))
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
        sealed = self._aead.encrypt(nonce, plaintext, record_aad(self._file_id, self._index, final))
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
