"""Organisation signatures on policy files: Ed25519 over the exact file bytes.

The signature lives beside the policy as `<file>.sig` (base64), so the policy stays
a plain, readable TOML file that anyone can diff.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Sequence
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


# A base64 Ed25519 signature is 88 characters; anything much larger is not one.
MAX_SIGNATURE_BYTES = 1024
MAX_KEY_BYTES = 16 * 1024


def signature_path(policy_path: Path) -> Path:
    return policy_path.with_name(policy_path.name + ".sig")


def read_bounded(path: Path, limit: int) -> bytes:
    """The file's bytes, refused (OSError) when larger than `limit`: never read whole."""
    with path.open("rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        size = f"{limit // 1024} KB" if limit >= 1024 else f"{limit} bytes"
        raise OSError(f"{path.name} is larger than {size}, the most read from such a file")
    return data


def _write_private(path: Path, data: bytes) -> None:
    """Created 0600 from the first byte (no moment under the umask), replaced atomically."""
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(partial, path)


def generate_keypair(private_out: Path, public_out: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    _write_private(
        private_out,
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )
    public_out.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def load_private_key(path: Path) -> Ed25519PrivateKey:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        raw = read_bounded(path, MAX_KEY_BYTES)
    except OSError as error:
        raise SignatureError(
            f"{path}: cannot read the private key: {error.strerror or error}",
            "give the organisation-private.pem made by `companion policy keygen`",
        ) from error
    if b"PUBLIC KEY" in raw:
        raise SignatureError(
            f"{path}: this is the public key",
            "sign with organisation-private.pem; organisation-key.pem goes to the laptops",
        )
    try:
        key = serialization.load_pem_private_key(raw, password=None)
    except (ValueError, TypeError) as error:  # not PEM, encrypted, or another format
        raise SignatureError(
            f"{path}: not a private key this app can use ({error})",
            "give the organisation-private.pem made by `companion policy keygen`",
        ) from error
    if not isinstance(key, Ed25519PrivateKey):
        raise SignatureError(f"{path}: not an Ed25519 private key")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        key = serialization.load_pem_public_key(read_bounded(path, MAX_KEY_BYTES))
    except (ValueError, OSError, TypeError) as error:
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
    raw: bytes,
    signature_text: str | None,
    public_keys: Ed25519PublicKey | Sequence[Ed25519PublicKey],
) -> None:
    """Over the exact bytes, before anything parses them; any one of the keys will do
    (several during a key rotation)."""
    from cryptography.exceptions import InvalidSignature

    keys = list(public_keys) if isinstance(public_keys, Sequence) else [public_keys]
    if signature_text is None:
        raise SignatureError("signature: missing (an organisation key is configured)")
    if len(signature_text) > MAX_SIGNATURE_BYTES:
        raise SignatureError("signature: too large to be a signature")
    try:
        signature = base64.b64decode(signature_text.strip(), validate=True)
    except ValueError as error:  # binascii.Error, or non-ASCII text
        raise SignatureError(f"signature: not valid base64: {error}") from error
    for public_key in keys:
        try:
            public_key.verify(signature, raw)
        except InvalidSignature:
            continue
        return
    raise SignatureError(
        "signature: does not match the policy (tampered, or signed by another key)"
    )


def load_public_keys(paths: Sequence[Path]) -> list[Ed25519PublicKey]:
    """Every readable key of `paths`; an error only when none can be used."""
    keys, problems = [], []
    for path in paths:
        try:
            keys.append(load_public_key(path))
        except SignatureError as error:
            problems.append(error)
    if not keys:
        raise problems[0] if problems else SignatureError("organisation key: none configured")
    return keys


def verify_policy_file(policy_path: Path, public_key_paths: Sequence[Path]) -> bytes:
    """The policy's bytes, read once and bounded, after its signature held."""
    from companion.core.policy.parse import MAX_POLICY_BYTES

    sig = signature_path(policy_path)
    text = (
        read_bounded(sig, MAX_SIGNATURE_BYTES).decode("ascii", errors="replace")
        if sig.exists()
        else None
    )
    raw = read_bounded(policy_path, MAX_POLICY_BYTES)
    verify_policy_bytes(raw, text, load_public_keys(public_key_paths))
    return raw
