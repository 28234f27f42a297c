"""A reviewer's (or approver's) own secrets for the desk's command line, in their keyring:

- `desk-signer`: who signs requests (`reviewer:<id>` or `approver:<id>`, as in the policy);
- `desk-signing-key`: their Ed25519 private key (base64 of the raw 32 bytes), whose public
  half the policy lists; it proves who calls the service and decrypts nothing;
- `desk-server`: the desk service's address.

No organisation identity: only the desk service holds the key that opens packages.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from companion.core.errors import UserFacingError
from companion.edges.secrets import SecretStore

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

SIGNER, SIGNING_KEY, SERVER = "desk-signer", "desk-signing-key", "desk-server"
LEGACY_IDENTITY = "desk-organisation-identity"  # what older desks kept; removed at setup


@dataclass(frozen=True)
class ReviewerKeys:
    signer: str
    key: Ed25519PrivateKey
    server: str


def _raw(key: Ed25519PrivateKey) -> str:
    from cryptography.hazmat.primitives import serialization

    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return base64.b64encode(raw).decode()


def set_up(secrets: SecretStore, signer: str, server: str, signing_key: Path | None) -> str:
    """Keep the signer, key and server; the public key for the policy."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from companion.core.access.signed import public_key_text
    from companion.edges.policy.signing import load_private_key

    key = load_private_key(signing_key) if signing_key else Ed25519PrivateKey.generate()
    secrets.set(SIGNER, signer)
    secrets.set(SIGNING_KEY, _raw(key))
    secrets.set(SERVER, server)
    if secrets.get(LEGACY_IDENTITY):
        secrets.delete(LEGACY_IDENTITY)
    return public_key_text(key)


def reviewer_keys(secrets: SecretStore) -> ReviewerKeys:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    signer, key, server = (secrets.get(n) for n in (SIGNER, SIGNING_KEY, SERVER))
    if not (signer and key and server):
        raise UserFacingError(
            "This desk is not set up.",
            "Run `companion desk setup --reviewer YOU --server URL` (approvers: --approver).",
        )
    return ReviewerKeys(signer, Ed25519PrivateKey.from_private_bytes(base64.b64decode(key)), server)
