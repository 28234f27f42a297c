"""Organisation signatures on policy files: Ed25519 over the exact file bytes.

The signature lives beside the policy as `<file>.sig` (base64), so the policy stays
a plain, readable TOML file that anyone can diff.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import TYPE_CHECKING

from companion.core.errors import UserFacingError

if TYPE_CHECKING:  # cryptography (~8 MB) loads when a signature is made or checked
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )


class SignatureError(UserFacingError):
    """The policy's signature is missing, malformed or does not match."""


def signature_path(policy_path: Path) -> Path:
    return policy_path.with_name(policy_path.name + ".sig")


def generate_keypair(private_out: Path, public_out: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    private_out.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    private_out.chmod(0o600)
    public_out.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def load_private_key(path: Path) -> Ed25519PrivateKey:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise SignatureError(f"{path}: not an Ed25519 private key")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (ValueError, OSError) as error:
        raise SignatureError(f"{path}: cannot read the organisation key: {error}") from error
    if not isinstance(key, Ed25519PublicKey):
        raise SignatureError(f"{path}: not an Ed25519 public key")
    return key


def sign_policy(policy_path: Path, private_key_path: Path) -> Path:
    signature = load_private_key(private_key_path).sign(policy_path.read_bytes())
    out = signature_path(policy_path)
    out.write_text(base64.b64encode(signature).decode("ascii") + "\n", encoding="ascii")
    return out


def verify_policy_bytes(
    raw: bytes, signature_text: str | None, public_key: Ed25519PublicKey
) -> None:
    from cryptography.exceptions import InvalidSignature

    if signature_text is None:
        raise SignatureError("signature: missing (an organisation key is configured)")
    try:
        signature = base64.b64decode(signature_text.strip(), validate=True)
    except ValueError as error:  # binascii.Error, or non-ASCII text
        raise SignatureError(f"signature: not valid base64: {error}") from error
    try:
        public_key.verify(signature, raw)
    except InvalidSignature as error:
        raise SignatureError(
            "signature: does not match the policy (tampered, or signed by another key)"
        ) from error


def verify_policy_file(policy_path: Path, public_key_path: Path) -> None:
    sig = signature_path(policy_path)
    text = sig.read_bytes().decode("ascii", errors="replace") if sig.exists() else None
    verify_policy_bytes(policy_path.read_bytes(), text, load_public_key(public_key_path))
