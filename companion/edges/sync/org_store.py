"""The organisation's store as the review desk and the rep's companion read it.

Besides the call packages (`<package id>/index.json` and its encrypted files) the store
holds, under the same folder or bucket prefix:

- `reps/<rep>/recipient.txt`: the rep's own age recipient (one line, `age1...`),
  published by the rep's companion at its first sync.
- `receipts/<rep>/<seq:08d>.json.age`: access receipts (see `core.access.receipts`),
  age-encrypted to the organisation's recipients and the rep's. Written once, never
  replaced; on S3 with Object Lock retention, so one cannot be quietly deleted.
  `receipts/<rep>/<seq:08d>.org.json.age`: a receipt the desk service sealed before the rep
  published a recipient (the organisation's only); the rep's companion shows it as
  waiting for the rep's key until the service seals the `.json.age` copy for the rep.
- `holds/<hold id>.json` and `holds/<hold id>.release.json`: signed legal holds and
  their releases (see `core.access.holds`); readable, since the rep's companion must
  honour them without the organisation's key.

Keys are `/`-separated names relative to the store's root (folder or bucket prefix).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from companion.core.access import signed
from companion.core.access.receipts import NOT_FOR_YOU, WAITING_FOR_KEY
from companion.edges.privacy import share_mode
from companion.edges.sync.package import INDEX
from companion.edges.sync.targets import SyncTarget, TooLarge

# What a laptop reads from the store is capped: a receipt or a hold is a few KB.
MAX_DOCUMENT_BYTES = 64 * 1024
RECEIPT_NAME = re.compile(r"^([0-9]{8})(\.org)?\.json\.age$")  # exactly as `receipt_key` writes


class OrgStore(Protocol):
    def get(self, key: str, limit: int | None = None) -> bytes | None:
        """The object's bytes, or None when there is none; `TooLarge` beyond `limit`."""
        ...

    def names(self, folder: str) -> list[str]:
        """The names of the objects directly in `folder` (e.g. `receipts/alice`), sorted."""
        ...

    def folders(self, folder: str) -> list[str]:
        """The names of the folders directly in `folder` (e.g. the reps under `receipts`)."""
        ...

    def put_new(self, key: str, data: bytes, retain_until: datetime | None = None) -> bool:
        """Write `data` only if `key` is free; False when it was taken (a race lost)."""
        ...

    def put(self, key: str, data: bytes, retain_until: datetime | None = None) -> None:
        """Write or replace `key` (on S3 a new version; `retain_until` locks it there)."""
        ...

    def package_indexes(self, kind: str = "call-") -> Iterator[dict[str, Any]]:
        """The readable `index.json` of every complete package (`concern-`: concerns)."""
        ...


class FolderOrgStore:
    """The store as a folder: the folder target's root."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def get(self, key: str, limit: int | None = None) -> bytes | None:
        try:
            with (self.root / key).open("rb") as handle:
                data = handle.read(-1 if limit is None else limit + 1)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return None
        if limit is not None and len(data) > limit:
            raise TooLarge(f"{key} is larger than {limit} bytes")
        return data

    def names(self, folder: str) -> list[str]:
        try:
            return sorted(p.name for p in (self.root / folder).iterdir() if p.is_file())
        except FileNotFoundError:
            return []

    def folders(self, folder: str) -> list[str]:
        try:
            return sorted(p.name for p in (self.root / folder).iterdir() if p.is_dir())
        except FileNotFoundError:
            return []

    def put_new(self, key: str, data: bytes, retain_until: datetime | None = None) -> bool:
        """Whole or not at all: the bytes go to a temporary file first, which is then
        hard-linked to `key` (a link never replaces a file: of two desks writing the same
        receipt number, one wins). A writer killed midway leaves no partial `key`."""
        path = self.root / key
        self._folder(path.parent)
        fd, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".new")
        try:
            os.fchmod(fd, share_mode(self.root, folder=False))
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.link(partial, path)
            except FileExistsError:
                return False
        finally:
            os.unlink(partial)
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)  # the new name survives a power cut too
        finally:
            os.close(folder)
        return True

    def put(self, key: str, data: bytes, retain_until: datetime | None = None) -> None:
        path = self.root / key
        self._folder(path.parent)
        partial = path.with_name(path.name + ".partial")
        partial.write_bytes(data)
        partial.chmod(share_mode(self.root, folder=False))
        os.replace(partial, path)

    def _folder(self, folder: Path) -> None:
        """Folders in the share as open as the share (the app's own umask is private)."""
        missing = [p for p in (folder, *folder.parents) if not p.exists()]
        folder.mkdir(parents=True, exist_ok=True)
        for made in missing:
            made.chmod(share_mode(self.root, folder=True))

    def package_indexes(self, kind: str = "call-") -> Iterator[dict[str, Any]]:
        with os.scandir(self.root) as entries:
            folders = sorted(e.name for e in entries if e.name.startswith(kind))
        for name in folders:
            try:
                yield json.loads((self.root / name / INDEX).read_bytes())
            except (OSError, ValueError):
                continue  # no index yet: an incomplete package is not listed


def receipts_folder(rep: str) -> str:
    return f"receipts/{rep}"


ORG_ONLY = ".org.json.age"


def receipt_key(rep: str, seq: int, *, org_only: bool = False) -> str:
    return f"{receipts_folder(rep)}/{seq:08d}{ORG_ONLY if org_only else '.json.age'}"


def _receipt_names(store: OrgStore, rep: str) -> dict[int, bool]:
    """Receipt number -> whether only the organisation's copy (`.org.json.age`) exists.

    Only names exactly as `receipt_key` writes them count; any other name is not a receipt.
    """
    found: dict[int, bool] = {}
    for name in store.names(receipts_folder(rep)):
        match = RECEIPT_NAME.match(name)
        if match and int(match.group(1)) >= 1:
            seq, org_only = int(match.group(1)), match.group(2) is not None
            found[seq] = found.get(seq, True) and org_only
    return found


def receipt_numbers(store: OrgStore, rep: str) -> list[int]:
    return sorted(_receipt_names(store, rep))


def rep_recipient(store: OrgStore, rep: str) -> str | None:
    raw = store.get(f"reps/{rep}/recipient.txt", 1024)
    return raw.decode("ascii").strip() if raw else None


def read_receipts(store: OrgStore, identity: Any, rep: str) -> dict[int, dict[str, Any] | str]:
    """The rep's receipts by number: the signed document, or why it cannot be read."""
    import pyrage

    found: dict[int, dict[str, Any] | str] = {}
    for seq, org_only in sorted(_receipt_names(store, rep).items()):
        if org_only:
            found[seq] = WAITING_FOR_KEY
            continue
        try:
            raw = store.get(receipt_key(rep, seq), MAX_DOCUMENT_BYTES) or b""
        except TooLarge:
            found[seq] = "it is too large to be a receipt"
            continue
        try:
            found[seq] = signed.parse(pyrage.decrypt(raw, [identity]), "receipt")
        except pyrage.DecryptError:
            found[seq] = NOT_FOR_YOU
        except signed.SignedDocumentError as error:
            found[seq] = error.message.rstrip(".")
    return found


def org_store_for(target: SyncTarget) -> OrgStore:
    """The organisation's store behind a sync target: the same folder or bucket, read whole."""
    from companion.edges.sync.folder_target import FolderTarget

    if isinstance(target, FolderTarget):
        return FolderOrgStore(target.root)
    from companion.edges.sync.org_s3 import S3OrgStore
    from companion.edges.sync.s3_target import S3Target

    assert isinstance(target, S3Target), f"no organisation store for {type(target).__name__}"
    return S3OrgStore(target)
