"""Signed documents: the one file format for approvals, holds, releases and receipts.

A signed document is UTF-8 JSON:

    {"format": "rep-companion.signed", "signer": "<reviewer or approver id>",
     "body": {"kind": "approval" | "hold" | "release" | "receipt", ...},
     "signature": "<base64 Ed25519 signature over canonical(body)>"}

`canonical(x)` is JSON with sorted keys, no spaces, UTF-8 unescaped: the bytes signed
and hashed never depend on how a file was pretty-printed. A document's hash (what a
receipt chain links by) is SHA-256 over `canonical` of the whole document.
The signer's public key is never in the file: it comes from the signed policy.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from companion.core.errors import UserFacingError

FORMAT = "rep-companion.signed"


class SignedDocumentError(UserFacingError):
    """Not a signed document, or its signature does not hold."""


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign(body: dict[str, Any], signer: str, key: Ed25519PrivateKey) -> dict[str, Any]:
    signature = base64.b64encode(key.sign(canonical(body))).decode()
    return {"format": FORMAT, "signer": signer, "body": body, "signature": signature}


def document_hash(document: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(document)).hexdigest()


def parse(raw: bytes, what: str) -> dict[str, Any]:
    """The document in `raw`, its shape checked (not its signature)."""
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as error:
        raise SignedDocumentError(f"The {what} is not a signed document (not JSON).") from error
    if (
        not isinstance(document, dict)
        or document.get("format") != FORMAT
        or not isinstance(document.get("body"), dict)
        or not isinstance(document.get("signer"), str)
        or not isinstance(document.get("signature"), str)
    ):
        raise SignedDocumentError(f"The {what} is not a Rep Companion signed document.")
    return document


def public_key(encoded: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(encoded))


def public_key_text(key: Ed25519PrivateKey) -> str:
    """The policy's spelling of `key`'s public half: base64 of the raw 32 bytes."""
    from cryptography.hazmat.primitives import serialization

    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def verify(document: dict[str, Any], key: str, what: str) -> None:
    """Raises SignedDocumentError unless `key` (policy spelling) signed the body."""
    try:
        signature = base64.b64decode(document["signature"], validate=True)
        public_key(key).verify(signature, canonical(document["body"]))
    except (InvalidSignature, binascii.Error, ValueError) as error:
        raise SignedDocumentError(
            f"The {what}'s signature does not match: it was changed after signing, "
            "or not signed by the key the policy names."
        ) from error
