"""The encrypted audio container: recorded audio never lies on disk in plaintext.

A file is a header holding a per-file data key wrapped with the master key, then
records each sealed on its own with AES-256-GCM, so a crash loses at most the
record being written. The pieces live by purpose:

- `container_format`: the layout, its constants, `ContainerError`, `ContainerContents`;
- `container_writer`: `EncryptedWriter`, the append-only file object the encoder writes;
- `container_reader`: `read_container`, which recovers the authentic prefix of a file.

This module keeps the one import path the rest of the app uses.
"""

from __future__ import annotations

from companion.audio.container_format import (
    FILE_ID_SIZE,
    FILE_MODE,
    HEADER_SIZE,
    KEY_SIZE,
    LENGTH,
    MAGIC,
    MAX_FRAMED_RECORD,
    MAX_RECORD_PLAINTEXT,
    MAX_SEALED,
    MIN_SEALED,
    NONCE_SIZE,
    RECORD_INDEX,
    RECORD_OVERHEAD,
    TAG_SIZE,
    VERSION,
    WRAPPED_KEY_SIZE,
    ContainerContents,
    ContainerError,
)
from companion.audio.container_reader import read_container
from companion.audio.container_writer import EncryptedWriter

__all__ = [
    "FILE_ID_SIZE",
    "FILE_MODE",
    "HEADER_SIZE",
    "KEY_SIZE",
    "LENGTH",
    "MAGIC",
    "MAX_FRAMED_RECORD",
    "MAX_RECORD_PLAINTEXT",
    "MAX_SEALED",
    "MIN_SEALED",
    "NONCE_SIZE",
    "RECORD_INDEX",
    "RECORD_OVERHEAD",
    "TAG_SIZE",
    "VERSION",
    "WRAPPED_KEY_SIZE",
    "ContainerContents",
    "ContainerError",
    "EncryptedWriter",
    "read_container",
]
