"""The encrypted audio container's layout: sizes, the header, record AAD, errors.

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

The writer (`writer`) and the reader (`reader`) share only
what is here, so the two cannot disagree about the layout.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from companion.core.errors import UserFacingError

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

WRONG_KEY = "wrong key or not a Rep Companion audio file"


class ContainerError(UserFacingError):
    """The file cannot be opened: not a container, wrong key, or tampered with."""


@dataclass(frozen=True)
class ContainerContents:
    """What `read_container` recovered; `plaintext` lives in memory only."""

    plaintext: bytes = field(repr=False)  # audio: keep it out of logs and test reports
    records: int
    complete: bool  # the final record was read: the writer closed the file cleanly
    damaged_tail_bytes: int  # bytes of a torn last record dropped after a crash


def require_key(master_key: bytes) -> None:
    if not isinstance(master_key, bytes) or len(master_key) != KEY_SIZE:
        raise ValueError(f"the master key must be {KEY_SIZE} bytes")


def seal_header(file_id: bytes, data_key: bytes, master_key: bytes) -> bytes:
    """The 81-byte header: the file's data key wrapped with the master key."""
    prefix = MAGIC + bytes([VERSION]) + file_id
    nonce = os.urandom(NONCE_SIZE)
    wrapped = AESGCM(master_key).encrypt(nonce, data_key, prefix)
    return prefix + nonce + wrapped


def record_aad(file_id: bytes, index: int, final: bool) -> bytes:
    return file_id + RECORD_INDEX.pack(index) + (b"\x01" if final else b"\x00")
