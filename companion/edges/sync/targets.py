"""Where call packages go: one small interface, a folder and S3-compatible storage.

Every target writes a package's encrypted files first and its `index.json` last, so a
package without `index.json` is incomplete (a crash or a dropped connection) and the
next attempt finishes it; a package whose index is present and matches is complete,
and putting it again changes nothing. Package ids are deterministic per call, so
retried and duplicated uploads all land on one package.

This module holds the interface and what the targets share. The targets live in
`folder_target` and `s3_target` (with `s3_connection` and `s3_multipart`), so that
importing the interface does not load the S3 code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from companion.core.errors import UserFacingError
from companion.edges.sync.package import CallPackage

POLICY_NAME = "policy/policy.toml"
# What the store hands the laptop to read (policy, signature) is capped: a writer to the
# store must not make the laptop read gigabytes. A real policy is a few KB.
MAX_POLICY_FETCH = 256 * 1024


class TooLarge(ValueError):
    """An object in the store is larger than anything the laptop reads from there."""


class SyncError(UserFacingError):
    """A package could not be delivered; `str()` is a sentence for the rep."""


@dataclass(frozen=True)
class ConnectionReport:
    ok: bool
    problem: str | None = None
    # ok, dns, refused, timeout, network, unmounted, credentials, no_bucket, permission
    kind: str = "ok"
    # It works, but the store lacks a protection the organisation counts on (S3:
    # versioning, Object Lock): each in words, with what to do.
    missing: tuple[str, ...] = ()

    def words(self) -> str:
        """What Settings and doctor say: works, works but lacks something, or the problem."""
        if not self.ok:
            return self.problem or "The connection does not work."
        if self.missing:
            return "Connection works, but " + " ".join(self.missing)
        return "Connection works."


class SyncTarget(Protocol):
    def put_package(self, package: CallPackage) -> str:
        """Deliver `package` (a no-op if it is already there); returns where it is."""
        ...

    def has_package(self, package_id: str) -> bool:
        """Whether a complete, intact package with this id is at the target."""
        ...

    def test_connection(self) -> ConnectionReport: ...

    def get_policy(self, name: str = POLICY_NAME, limit: int = MAX_POLICY_FETCH) -> bytes | None:
        """The organisation's policy file (or its `.sig`) as published at the target;
        `TooLarge` beyond `limit` bytes (never read whole)."""
        ...


def index_matches(index: dict[str, Any] | None, package: CallPackage) -> bool:
    """Whether a stored index describes the same content as `package`.

    The ciphertext of two builds of one call differs (age is randomised); the content
    digest does not.
    """
    return index is not None and index.get("content_digest") == package.content_digest
