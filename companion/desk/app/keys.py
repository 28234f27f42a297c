"""The reviewer's secrets, in the reviewer's own keyring: never in a file of the desk.

- `desk-reviewer`: who this desk is (a key of the policy's `[access.reviewers]`).
- `desk-organisation-identity`: the organisation's age identity (`AGE-SECRET-KEY-1...`),
  which decrypts packages, in memory only.
- `desk-signing-key`: the reviewer's Ed25519 private key (base64 of the raw 32 bytes),
  which signs access receipts; its public half is what the policy lists.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from companion.core.errors import UserFacingError
from companion.edges.secrets import SecretStore

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

REVIEWER = "desk-reviewer"
IDENTITY = "desk-organisation-identity"
SIGNING_KEY = "desk-signing-key"
NOT_SET_UP = "This desk is not set up"
SET_UP_FIX = (
    "Run `companion desk setup --reviewer YOU --organisation-identity FILE` with the "
    "organisation's age identity file."
)


@dataclass(frozen=True)
class DeskKeys:
    reviewer: str
    identity: Any  # pyrage.x25519.Identity (untyped)
    signing_key: Ed25519PrivateKey


def _raw_private(key: Ed25519PrivateKey) -> str:
    from cryptography.hazmat.primitives import serialization

    raw = key.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    return base64.b64encode(raw).decode()


def set_up_desk(
    secrets: SecretStore, reviewer: str, identity_file: Path, signing_key_file: Path | None
) -> str:
    """Store the desk's secrets; returns the reviewer's public key for the policy."""
    import pyrage
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from companion.core.access.signed import public_key_text
    from companion.edges.policy.signing import load_private_key

    lines = [
        line.strip()
        for line in identity_file.read_text(encoding="utf-8").splitlines()
        if line.strip().startswith("AGE-SECRET-KEY-")
    ]
    if not lines:
        raise UserFacingError(f"{identity_file} holds no age identity (AGE-SECRET-KEY-...).")
    pyrage.x25519.Identity.from_str(lines[0])  # refuse a damaged one now, not at opening
    if signing_key_file is not None:
        key = load_private_key(signing_key_file)
    else:
        existing = secrets.get(SIGNING_KEY)
        key = (
            Ed25519PrivateKey.from_private_bytes(base64.b64decode(existing))
            if existing
            else Ed25519PrivateKey.generate()
        )
    secrets.set(REVIEWER, reviewer)
    secrets.set(IDENTITY, lines[0])
    secrets.set(SIGNING_KEY, _raw_private(key))
    return public_key_text(key)


def desk_keys(secrets: SecretStore) -> DeskKeys:
    import pyrage
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    reviewer, identity, signing = (secrets.get(n) for n in (REVIEWER, IDENTITY, SIGNING_KEY))
    if not (reviewer and identity and signing):
        raise UserFacingError(NOT_SET_UP, SET_UP_FIX)
    return DeskKeys(
        reviewer,
        pyrage.x25519.Identity.from_str(identity),
        Ed25519PrivateKey.from_private_bytes(base64.b64decode(signing)),
    )
