"""Enrolment codes: how a rep's laptop binds its device key to the rep in the desk service.

An admin makes a one-time, expiring code for a rep (`companion desk enrol-code`); the
desk keeps only its SHA-256. On the laptop, `companion enrol CODE --desk URL` sends

    body = {"kind": "enrolment", "code": "ABCDE-...", "device": "<base64 Ed25519 public
            key of the laptop's device key>", "at": "<ISO time>"}

signed by that device key (so no one can enrol a key they do not hold). The service
checks the code (known, unused, unexpired), binds the key to the code's rep, and
answers with the rep's id (and team), which the laptop keeps as its identity.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from companion.core.access import signed
from companion.core.errors import UserFacingError

KIND = "enrolment"
# No 0/O, 1/I/L, U: a code read aloud or typed from a note is typed right.
ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"


class EnrolmentRefused(UserFacingError):
    """The desk will not enrol this laptop with that code; the message says why."""


def normalise(code: str) -> str:
    """The code as made: upper case, without the dashes and spaces people type."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def code_hash(code: str) -> str:
    return hashlib.sha256(normalise(code).encode()).hexdigest()


def same_hash(stored: str, code: str) -> bool:
    """Constant-time: how long the check takes says nothing about the stored hash."""
    return hmac.compare_digest(stored.encode(), code_hash(code).encode())


def enrolment_request(code: str, key: Ed25519PrivateKey, at: datetime) -> dict[str, Any]:
    body = {"kind": KIND, "code": code, "device": signed.public_key_text(key), "at": at.isoformat()}
    return signed.sign(body, "device", key)


def read_enrolment_request(raw: bytes) -> tuple[str, str]:
    """(code, device key) of a request signed by the device key it names."""
    try:
        document = signed.parse(raw, "enrolment request")
        body = document["body"]
        if body.get("kind") != KIND:
            raise signed.SignedDocumentError("The enrolment request is of another kind.")
        code, device = str(body["code"]), str(body["device"])
        signed.verify(document, device, "enrolment request")
    except (signed.SignedDocumentError, KeyError, TypeError, ValueError) as error:
        raise EnrolmentRefused(
            "The enrolment request is not signed by the device key it names."
        ) from error
    return code, device
