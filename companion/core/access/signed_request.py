"""Signed requests: how a reviewer or approver proves who calls the desk service's API.

The caller signs, with the Ed25519 key whose public half the policy's `[access]` lists,

    "<METHOD>\\n<path?query>\\n<time, Unix seconds>\\n<hex SHA-256 of the body>"

and sends `X-Desk-Signer: reviewer:<id>` (or `approver:<id>`), `X-Desk-Time` and
`X-Desk-Signature` (base64). The service refuses a request whose time is more than
`SKEW` seconds off its clock. (The web desk puts browser sign-in in front of the same
use cases; this is for the command line and other programs.)
"""

from __future__ import annotations

import base64
import binascii
import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from companion.core.access import signed
from companion.core.policy.access import AccessRules

SKEW = 300
SIGNER, TIME, SIGNATURE = "X-Desk-Signer", "X-Desk-Time", "X-Desk-Signature"


def request_text(method: str, target: str, at: int, body: bytes) -> bytes:
    digest = hashlib.sha256(body).hexdigest()
    return f"{method.upper()}\n{target}\n{at}\n{digest}".encode()


def sign_request(
    key: Ed25519PrivateKey, signer: str, method: str, target: str, at: int, body: bytes
) -> dict[str, str]:
    signature = key.sign(request_text(method, target, at, body))
    return {SIGNER: signer, TIME: str(at), SIGNATURE: base64.b64encode(signature).decode()}


def signer_of(
    rules: AccessRules, headers: dict[str, str], method: str, target: str, body: bytes, now: int
) -> tuple[str, str] | None:
    """(kind, id) of a valid signer ('reviewer' or 'approver'), else None."""
    kind, _, who = headers.get(SIGNER.lower(), "").partition(":")
    try:
        at = int(headers.get(TIME.lower(), ""))
        signature = base64.b64decode(headers.get(SIGNATURE.lower(), ""), validate=True)
    except (ValueError, binascii.Error):
        return None
    if abs(now - at) > SKEW:
        return None
    if kind == "reviewer" and who in rules.reviewers:
        key = rules.reviewers[who].key
    elif kind == "approver" and who in rules.approvers:
        key = rules.approvers[who].key
    else:
        return None
    try:
        signed.public_key(key).verify(signature, request_text(method, target, at, body))
    except (InvalidSignature, ValueError):
        return None
    return kind, who
