"""The audio master key, kept in the OS keyring and nowhere else.

Every recording is sealed with its own data key (see `container`), and that
key is wrapped with this one master key, so whoever holds the keyring entry
can open the recordings and nobody else can. The key is made on first use.

A keyring that is locked, missing or insecure raises `SecretStoreError` from
`companion.edges.secrets`, unchanged: the recorder turns it into "not recording"
rather than recording under a key it could not keep. A damaged entry raises
the same error and is never replaced, because replacing it would make every
earlier recording unreadable. The key is not cached: asking the keyring for
each recording means a keyring locked mid-session stops the next recording.
"""

from __future__ import annotations

import base64
import binascii
import os

from companion.edges.secrets import FIX_RETRY, Failure, SecretStore, SecretStoreError

MASTER_KEY_NAME = "audio-master-key"
MASTER_KEY_SIZE = 32  # AES-256

FIX_DAMAGED_KEY = (
    f"Restore the '{MASTER_KEY_NAME}' entry of Rep Companion in your keyring from a backup; "
    "do not delete it, recordings made with it cannot be opened without it."
)


class AudioKeys:
    """Hands out the audio master key from a `SecretStore`, creating it on first use."""

    def __init__(self, store: SecretStore) -> None:
        self._store = store

    def master_key(self) -> bytes:
        """The 32-byte master key; raises SecretStoreError if the keyring cannot give it."""
        stored = self._store.get(MASTER_KEY_NAME)
        if stored is None:
            stored = self._create()
        return self._decode(stored)

    def _create(self) -> str:
        self._store.set(MASTER_KEY_NAME, _encode(os.urandom(MASTER_KEY_SIZE)))
        # Read it back: use only what the keyring really kept, so no recording is
        # ever sealed under a key that is not stored.
        stored = self._store.get(MASTER_KEY_NAME)
        if stored is None:
            raise self._error(Failure.FAILED, "did not keep the new audio key", FIX_RETRY)
        return stored

    def _decode(self, stored: str) -> bytes:
        try:
            key = base64.b64decode(stored.encode("ascii"), validate=True)
        except (UnicodeEncodeError, binascii.Error):
            key = b""
        if len(key) != MASTER_KEY_SIZE:
            raise self._error(Failure.FAILED, "holds a damaged audio key", FIX_DAMAGED_KEY)
        return key

    def _error(self, kind: Failure, what_happened: str, fix: str) -> SecretStoreError:
        backend = self._store.backend
        return SecretStoreError(
            f"The keyring ({backend}) {what_happened}.", backend=backend, kind=kind, fix=fix
        )


def _encode(key: bytes) -> str:
    return base64.b64encode(key).decode("ascii")
