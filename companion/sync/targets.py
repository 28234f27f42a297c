"""Where call packages go: one small interface, a folder and S3-compatible storage.

Every target writes a package's encrypted files first and its `index.json` last, so a
package without `index.json` is incomplete (a crash or a dropped connection) and the
next attempt finishes it; a package whose index is present and matches is complete,
and putting it again changes nothing. Package ids are deterministic per call, so
retried and duplicated uploads all land on one package.

This module holds the interface and what the targets share. The targets live in
`folder_target` and `s3_target` (with `s3_connection` and `s3_multipart`); their names
stay importable from here (`from companion.sync.targets import S3Target`), loaded on
first use so that importing the interface does not load the S3 code.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from companion.sync.package import CallPackage

if TYPE_CHECKING:
    from companion.sync.folder_target import FolderTarget
    from companion.sync.s3_connection import (
        ACCESS_KEY_SECRET,
        SECRET_KEY_SECRET,
        SESSION_TOKEN_SECRET,
        S3Credentials,
        credentials_from_secrets,
    )
    from companion.sync.s3_target import MULTIPART_CHUNK, MULTIPART_THRESHOLD, S3Target

POLICY_NAME = "policy/policy.toml"


class SyncError(Exception):
    """A package could not be delivered; `str()` is a sentence for the rep."""


@dataclass(frozen=True)
class ConnectionReport:
    ok: bool
    problem: str | None = None
    # ok, dns, refused, timeout, network, unmounted, credentials, no_bucket, permission
    kind: str = "ok"


class SyncTarget(Protocol):
    def put_package(self, package: CallPackage) -> str:
        """Deliver `package` (a no-op if it is already there); returns where it is."""
        ...

    def has_package(self, package_id: str) -> bool:
        """Whether a complete, intact package with this id is at the target."""
        ...

    def test_connection(self) -> ConnectionReport: ...

    def get_policy(self, name: str = POLICY_NAME) -> bytes | None:
        """The organisation's policy file (or its `.sig`) as published at the target."""
        ...


def index_matches(index: dict[str, Any] | None, package: CallPackage) -> bool:
    """Whether a stored index describes the same content as `package`.

    The ciphertext of two builds of one call differs (age is randomised); the content
    digest does not.
    """
    return index is not None and index.get("content_digest") == package.content_digest


_ELSEWHERE = {
    "FolderTarget": "companion.sync.folder_target",
    "S3Target": "companion.sync.s3_target",
    "MULTIPART_THRESHOLD": "companion.sync.s3_target",
    "MULTIPART_CHUNK": "companion.sync.s3_target",
    "S3Credentials": "companion.sync.s3_connection",
    "credentials_from_secrets": "companion.sync.s3_connection",
    "ACCESS_KEY_SECRET": "companion.sync.s3_connection",
    "SECRET_KEY_SECRET": "companion.sync.s3_connection",
    "SESSION_TOKEN_SECRET": "companion.sync.s3_connection",
}

__all__ = [
    "ACCESS_KEY_SECRET",
    "MULTIPART_CHUNK",
    "MULTIPART_THRESHOLD",
    "POLICY_NAME",
    "SECRET_KEY_SECRET",
    "SESSION_TOKEN_SECRET",
    "ConnectionReport",
    "FolderTarget",
    "S3Credentials",
    "S3Target",
    "SyncError",
    "SyncTarget",
    "credentials_from_secrets",
    "index_matches",
]


def __getattr__(name: str) -> Any:
    """The targets' names, from the modules they moved to (PEP 562)."""
    module = _ELSEWHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # once is enough
    return value
