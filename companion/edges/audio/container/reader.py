"""Reading the encrypted audio container back into memory (layout in `format`).

`read_container` returns only an authentic, in-order prefix of what the writer
sealed, in memory. Where it stops:

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

The reader decrypts into memory only: plaintext never touches the disk.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from companion.edges.audio.container.format import (
    FILE_ID_SIZE,
    HEADER_SIZE,
    LENGTH,
    MAGIC,
    MAX_FRAMED_RECORD,
    MAX_SEALED,
    MIN_SEALED,
    NONCE_SIZE,
    RECORD_OVERHEAD,
    VERSION,
    WRONG_KEY,
    ContainerContents,
    ContainerError,
    record_aad,
    require_key,
)


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
    require_key(master_key)
    data = Path(path).read_bytes()
    file_id = _parse_header(data)
    data_key = _unwrap_data_key(data, master_key)
    return _read_records(data, file_id, AESGCM(data_key))


def _parse_header(data: bytes) -> bytes:
    """The file id, after checking magic, version and size."""
    if len(data) < len(MAGIC) + 1 or not data.startswith(MAGIC):
        raise ContainerError(f"{WRONG_KEY} (no {MAGIC.decode()} header)")
    version = data[len(MAGIC)]
    if version != VERSION:
        raise ContainerError(
            f"unsupported Rep Companion audio file version {version} (this app reads {VERSION})"
        )
    if len(data) < HEADER_SIZE:
        raise ContainerError(f"{WRONG_KEY} (header cut short at {len(data)} bytes)")
    start = len(MAGIC) + 1
    return data[start : start + FILE_ID_SIZE]


def _unwrap_data_key(data: bytes, master_key: bytes) -> bytes:
    prefix_end = len(MAGIC) + 1 + FILE_ID_SIZE
    nonce = data[prefix_end : prefix_end + NONCE_SIZE]
    wrapped = data[prefix_end + NONCE_SIZE : HEADER_SIZE]
    try:
        return AESGCM(master_key).decrypt(nonce, wrapped, data[:prefix_end])
    except InvalidTag:
        raise ContainerError(f"{WRONG_KEY} (the file's key does not unwrap)") from None


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
            plaintext = aead.decrypt(nonce, sealed, record_aad(file_id, index, final))
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
