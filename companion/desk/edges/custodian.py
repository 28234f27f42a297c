"""The key custodian: the service's own secret file, the only place the organisation's
age identity and the service's receipt-signing key live.

The file is JSON, mode 0600, owned by the service's user:

    {"age_identity": "AGE-SECRET-KEY-1...", "signing_key": "<base64 raw Ed25519 private key>"}

It is never copied into the database or the store. A file that others can read, or that
another user owns, is refused: a key anyone on the server can read is no custodian.
"""

from __future__ import annotations

import base64
import io
import json
import os
import queue
import stat
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from companion.core.errors import UserFacingError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


class CustodianError(UserFacingError):
    """The service's secret file is missing, unsafe or damaged."""


@dataclass(frozen=True)
class Custodian:
    """What the service holds in memory: decrypts packages, signs receipts."""

    identity: Any  # pyrage.x25519.Identity (untyped)
    signing_key: Ed25519PrivateKey

    @property
    def recipient(self) -> str:
        return str(self.identity.to_public())

    @property
    def public_key(self) -> str:
        from companion.core.access.signed import public_key_text

        return public_key_text(self.signing_key)

    def decrypt(self, data: bytes) -> bytes:
        import pyrage

        return bytes(pyrage.decrypt(data, [self.identity]))

    def decrypt_stream(self, data: bytes, chunk: int = 64 * 1024) -> Iterator[bytes]:
        """The plaintext as it is decrypted (age authenticates each 64 KiB chunk), so the
        first bytes of an hour's audio leave before the last are decrypted. Closing the
        iterator early stops the decryption."""
        import pyrage

        blocks: queue.Queue[bytes | BaseException | None] = queue.Queue(maxsize=64)
        stopped = threading.Event()

        class _Writer(io.RawIOBase):
            def writable(self) -> bool:
                return True

            def write(self, block: Any) -> int:
                while not stopped.is_set():
                    try:
                        blocks.put(bytes(block), timeout=0.5)
                        return len(block)
                    except queue.Full:
                        continue
                raise OSError("the reader went away")

        def work() -> None:
            try:
                pyrage.decrypt_io(io.BytesIO(data), _Writer(), [self.identity])
                blocks.put(None)
            except BaseException as error:  # handed to the reader, raised there
                if not stopped.is_set():
                    blocks.put(error)

        threading.Thread(target=work, daemon=True, name="decrypt").start()
        pending = b""
        try:
            while (item := blocks.get()) is not None:
                if isinstance(item, BaseException):
                    raise item
                pending += item
                if len(pending) >= chunk:
                    yield pending
                    pending = b""
            if pending:
                yield pending
        finally:
            stopped.set()


def _raw(key: Ed25519PrivateKey) -> str:
    from cryptography.hazmat.primitives import serialization

    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return base64.b64encode(raw).decode()


def create_secrets(path: Path, identity_file: Path | None = None) -> Custodian:
    """Write a new secret file (0600); the age identity is generated unless one is moved in."""
    import pyrage
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    if path.exists():
        raise CustodianError(f"{path} exists already; the service keeps the keys it has.")
    if identity_file is not None:
        lines = [
            line.strip()
            for line in identity_file.read_text(encoding="utf-8").splitlines()
            if line.strip().startswith("AGE-SECRET-KEY-")
        ]
        if not lines:
            raise CustodianError(f"{identity_file} holds no age identity (AGE-SECRET-KEY-...).")
        identity = pyrage.x25519.Identity.from_str(lines[0])
    else:
        identity = pyrage.x25519.Identity.generate()
    key = Ed25519PrivateKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({"age_identity": str(identity), "signing_key": _raw(key)}, handle)
    return Custodian(identity, key)


def load_secrets(path: Path) -> Custodian:
    import pyrage
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        info = path.stat()
    except FileNotFoundError as error:
        raise CustodianError(
            f"The service's secret file {path} does not exist.",
            "Run `companion desk service-init --config FILE` once on the server.",
        ) from error
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise CustodianError(
            f"{path} can be read by other users; the service refuses to use it.",
            f"Run `chmod 600 {path}` as the service's user.",
        )
    if info.st_uid != os.getuid():
        raise CustodianError(f"{path} belongs to another user than the service's.")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        identity = pyrage.x25519.Identity.from_str(data["age_identity"])
        key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(data["signing_key"]))
    except (ValueError, KeyError, TypeError, pyrage.IdentityError) as error:
        raise CustodianError(f"{path} is damaged: it holds no readable keys.") from error
    return Custodian(identity, key)
