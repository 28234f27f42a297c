"""The folder target: packages as folders on a mounted share, renamed into place whole."""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

from companion.edges.privacy import share_mode
from companion.edges.sync.package import INDEX, CallPackage, sha256_hex
from companion.edges.sync.targets import (
    MAX_POLICY_FETCH,
    POLICY_NAME,
    ConnectionReport,
    SyncError,
    TooLarge,
    index_matches,
)


class FolderTarget:
    """Packages as folders `root/<package id>/`, built aside and renamed into place.

    The package is written into `root/.incoming/<id>.partial/` (the same file system,
    so the final `os.replace` is atomic) with every file flushed to disk, and only then
    renamed to `root/<id>/`: a reader never sees a half-written package.
    """

    def __init__(self, root: Path, create: bool = False) -> None:
        """`create`: only for the app's own outbox. A share the rep configured is never
        created, so an unmounted drive is "offline", not a folder on the local disk."""
        self.root = Path(root)
        self.incoming = self.root / ".incoming"
        self._create = create

    def put_package(self, package: CallPackage) -> str:
        final = self.root / package.package_id
        if self.has_package(package.package_id) and index_matches(
            self._index(package.package_id), package
        ):
            return str(final)
        try:
            if self._create:
                self.root.mkdir(parents=True, exist_ok=True)
            elif not self.root.exists():
                raise FileNotFoundError(f"the sync folder {self.root} is not there")
            self.incoming.mkdir(exist_ok=True)
            partial = self.incoming / f"{package.package_id}.partial"
            if partial.exists():
                shutil.rmtree(partial)  # left by an interrupted attempt
            partial.mkdir()
            # the app writes private files; the share's readers are the share's to decide
            partial.chmod(share_mode(self.root, folder=True))
            file_mode = share_mode(self.root, folder=False)
            for name, data in sorted(package.files.items()):
                _write_synced(partial / name, data, file_mode)
            _write_synced(partial / INDEX, package.index_bytes, file_mode)  # the commit marker
            _fsync_dir(partial)
            retired = None
            if final.exists():  # an incomplete or older revision of this call's package
                retired = self.incoming / f"{package.package_id}.old-{uuid.uuid4().hex}"
                os.replace(final, retired)
            os.replace(partial, final)
            _fsync_dir(self.root)
            if retired is not None:
                shutil.rmtree(retired)
        except OSError as error:
            raise SyncError(f"Could not write the package to {self.root}: {error}") from error
        return str(final)

    def has_package(self, package_id: str) -> bool:
        folder = self.root / package_id
        index = self._index(package_id)
        if index is None:
            return False
        for name, expected in index.get("files", {}).items():
            path = folder / name
            try:
                data = path.read_bytes()
            except OSError:
                return False
            if len(data) != expected["size"] or sha256_hex(data) != expected["sha256"]:
                return False
        return True

    def _index(self, package_id: str) -> dict[str, Any] | None:
        try:
            return json.loads((self.root / package_id / INDEX).read_bytes())
        except (OSError, ValueError):
            return None

    def test_connection(self) -> ConnectionReport:
        if not self.root.is_dir():
            return ConnectionReport(
                False,
                f"The sync folder {self.root} does not exist (is the drive mounted?).",
                "unmounted",
            )
        try:
            self.incoming.mkdir(exist_ok=True)
            probe = self.incoming / f"probe-{uuid.uuid4().hex}"
            probe.write_bytes(b"probe")
            probe.unlink()
        except OSError as error:
            return ConnectionReport(
                False,
                f"Rep Companion cannot write to the sync folder {self.root}: {error}.",
                "permission",
            )
        return ConnectionReport(True)

    def get_policy(self, name: str = POLICY_NAME, limit: int = MAX_POLICY_FETCH) -> bytes | None:
        try:
            with (self.root / name).open("rb") as handle:
                data = handle.read(limit + 1)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return None
        if len(data) > limit:
            raise TooLarge(f"{name} is larger than {limit} bytes")
        return data


def _write_synced(path: Path, data: bytes, mode: int) -> None:
    with path.open("wb") as handle:
        os.fchmod(handle.fileno(), mode)
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
