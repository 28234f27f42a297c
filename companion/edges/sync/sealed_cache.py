"""Ciphertext kept between sync attempts, so a retry sends the very same bytes.

age encryption is randomised: rebuilding a package after a cut connection or a
killed app would give new ciphertext for unchanged content, and a versioned
bucket would then hold two versions of a file that was already half-sent. The
cache keys each sealed file by the SHA-256 of its plaintext and the recipients,
so unchanged content is reused byte for byte while changed notes are sealed
anew. Only ciphertext is written; the cache for a package goes once it is
delivered.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable
from pathlib import Path

Seal = Callable[[bytes, list[str]], bytes]
FOLDER = "sync-sealed"  # under the data folder


class SealedCache:
    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def in_data(cls, data_dir: Path) -> SealedCache:
        return cls(data_dir / FOLDER)

    def sealer(self, package_id: str, seal: Seal) -> Callable[[str, bytes, list[str]], bytes]:
        """A `seal(name, plaintext, recipients)` for one package's build."""

        def cached(name: str, data: bytes, recipients: list[str]) -> bytes:
            return self.seal(package_id, name, data, recipients, seal)

        return cached

    def seal(
        self, package_id: str, name: str, data: bytes, recipients: list[str], seal: Seal
    ) -> bytes:
        key = hashlib.sha256(data + "\n".join(sorted(recipients)).encode()).hexdigest()[:32]
        folder = self.root / package_id
        path = folder / f"{name}.{key}"
        if path.exists():
            return path.read_bytes()
        sealed = seal(data, recipients)
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob(f"{name}.*"):  # the content changed: the old seal is useless
            stale.unlink(missing_ok=True)
        partial = folder / f".{name}.{key}.partial"
        with partial.open("wb") as out:
            out.write(sealed)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, path)
        return sealed

    def forget(self, package_id: str) -> None:
        shutil.rmtree(self.root / package_id, ignore_errors=True)
