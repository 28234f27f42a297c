"""The rep's device key: it signs every package this companion delivers to an
organisation that runs a desk service (the policy's `[access.service]`), so the desk
knows who wrote it (`core.access.devices`).

Made at the first such sync and kept in the keyring as `device-signing-key` (base64 of the
raw 32 bytes); its public half is published to `reps/<rep>/device.txt`, where the desk's
administrator enrols it (`companion desk enrol-device`) or copies it into the policy's
`[access.devices]`.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

from companion.edges.secrets import SecretStore
from companion.edges.sync.org_store import OrgStore

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

DEVICE_KEY = "device-signing-key"


def device_key(secrets: SecretStore) -> Ed25519PrivateKey:
    """The device's signing key, made and kept in the keyring on first use."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    stored = secrets.get(DEVICE_KEY)
    if stored:
        return Ed25519PrivateKey.from_private_bytes(base64.b64decode(stored))
    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    secrets.set(DEVICE_KEY, base64.b64encode(raw).decode())
    return key


def publish_device_key(store: OrgStore, key: Ed25519PrivateKey, rep: str) -> None:
    from companion.core.access.signed import public_key_text

    name, text = f"reps/{rep}/device.txt", public_key_text(key)
    if (store.get(name) or b"").decode("ascii", "replace").strip() != text:
        store.put(name, (text + "\n").encode("ascii"))
