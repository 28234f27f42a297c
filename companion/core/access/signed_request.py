"""Signed requests: how a reviewer or approver proves who calls the desk service's API.

The caller signs, with the Ed25519 key whose public half the policy's `[access]` lists,

    "<METHOD>\\n<path?query>\\n<time, Unix seconds>\\n<nonce>\\n<hex SHA-256 of the body>"

and sends `X-Desk-Signer: reviewer:<id>` (or `approver:<id>`), `X-Desk-Time`,
`X-Desk-Nonce` (random, fresh for each request) and `X-Desk-Signature` (base64). The
service refuses a request whose time is more than `SKEW` seconds off its clock, and one
whose nonce it has seen from that signer within the window: a request captured on the
way is accepted once, not replayed (the service remembers nonces in its database,
`desk.edges.nonces`). (The web desk puts browser sign-in in front of the same use
cases; this is for the command line and other programs.)
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from companion.core.access import signed
from companion.core.policy.access import AccessRules

SKEW = 300
SIGNER, TIME, SIGNATURE = "X-Desk-Signer", "X-Desk-Time", "X-Desk-Signature"
NONCE = "X-Desk-Nonce"
_NONCE_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}")


@dataclass(frozen=True)
class Signer:
    """A request's valid signer: 'reviewer' or 'approver', their id, and the request's
    nonce and signed time (the service refuses a nonce it has seen: `desk.edges.nonces`)."""

    kind: str
    who: str
    nonce: str
    at: int


def request_text(method: str, target: str, at: int, nonce: str, body: bytes) -> bytes:
    digest = hashlib.sha256(body).hexdigest()
    return f"{method.upper()}\n{target}\n{at}\n{nonce}\n{digest}".encode()


def sign_request(
    key: Ed25519PrivateKey,
    signer: str,
    method: str,
    target: str,
    at: int,
    body: bytes,
    nonce: str | None = None,
) -> dict[str, str]:
    """The headers of a signed request; a fresh random nonce unless one is given."""
    nonce = nonce or secrets.token_urlsafe(18)
    signature = key.sign(request_text(method, target, at, nonce, body))
    return {
        SIGNER: signer,
        TIME: str(at),
        NONCE: nonce,
        SIGNATURE: base64.b64encode(signature).decode(),
    }


def signer_of(
    rules: AccessRules, headers: dict[str, str], method: str, target: str, body: bytes, now: int
) -> Signer | None:
    """The request's valid signer, else None (unsigned, stale, unknown, no nonce)."""
    kind, _, who = headers.get(SIGNER.lower(), "").partition(":")
    nonce = headers.get(NONCE.lower(), "")
    try:
        at = int(headers.get(TIME.lower(), ""))
        signature = base64.b64decode(headers.get(SIGNATURE.lower(), ""), validate=True)
    except (ValueError, binascii.Error):
        return None
    if abs(now - at) > SKEW or not _NONCE_SHAPE.fullmatch(nonce):
        return None
    if kind == "reviewer" and who in rules.reviewers:
        key = rules.reviewers[who].key
    elif kind == "approver" and who in rules.approvers:
        key = rules.approvers[who].key
    else:
        return None
    try:
        signed.public_key(key).verify(signature, request_text(method, target, at, nonce, body))
    except (InvalidSignature, ValueError):
        return None
    return Signer(kind, who, nonce, at)
