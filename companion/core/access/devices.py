"""Who wrote a package: each rep's companion signs its packages with a device key.

`index.json` carries

    "device": {"key": "<base64 Ed25519 public key>",
               "index_signature": "<over canonical(index without 'device' and
                                    'sealed_manifest')>",
               "manifest_signature": "<over the manifest's plaintext bytes>"}

The desk service accepts a package only when the key is enrolled for the rep that the
signed manifest names (the policy's `[access.devices]`, or an enrolment with the
service), and both signatures hold. The plain index cannot relabel a call: the service
takes rep, call type and times from the manifest, and the index must agree with it.

The index's copy of the sealed manifest (`sealed_manifest`, `edges.sync.package`) is left
out of the signature, so that a re-wrap after a key rotation can drop the old key's copy
without breaking it. That opens nothing: the copy is used only when its SHA-256 is the
signed one of `manifest.json.age`, and the manifest signature covers its plaintext.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from companion.core.access import signed
from companion.core.errors import UserFacingError

DEVICE = "device"
# Not signed: the signature itself, and the manifest's copy (its checksum is signed).
UNSIGNED = (DEVICE, "sealed_manifest")


class DeviceProblem(UserFacingError):
    """Why a package is quarantined: unsigned, unknown device, or a signature that fails."""


def _unsigned(index: dict[str, Any]) -> bytes:
    return signed.canonical({k: v for k, v in index.items() if k not in UNSIGNED})


def sign_package(index: dict[str, Any], manifest: bytes, key: Ed25519PrivateKey) -> dict[str, Any]:
    """The index with its `device` entry (the key's signatures over index and manifest)."""
    return index | {
        DEVICE: {
            "key": signed.public_key_text(key),
            "index_signature": base64.b64encode(key.sign(_unsigned(index))).decode(),
            "manifest_signature": base64.b64encode(key.sign(manifest)).decode(),
        }
    }


def check_package_signatures(
    index: dict[str, Any],
    manifest_bytes: bytes,
    manifest: dict[str, Any],
    devices: dict[str, str],
    required: bool,
) -> str | None:
    """The device key that wrote the package (None: unsigned, and allowed)."""
    entry = index.get(DEVICE)
    if not isinstance(entry, dict):
        if required:
            raise DeviceProblem("it is not signed by an enrolled device")
        return None
    key = str(entry.get("key", ""))
    rep = devices.get(key)
    if rep is None:
        raise DeviceProblem("it is signed by a device that is not enrolled")
    if rep != manifest.get("rep"):
        raise DeviceProblem(f"it is signed by a device enrolled for {rep}, not for its rep")
    try:
        public = signed.public_key(key)
        public.verify(base64.b64decode(str(entry.get("index_signature"))), _unsigned(index))
        public.verify(base64.b64decode(str(entry.get("manifest_signature"))), manifest_bytes)
    except (InvalidSignature, binascii.Error, ValueError) as error:
        raise DeviceProblem("its device signature does not match its index or manifest") from error
    return key
