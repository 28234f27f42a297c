"""Re-wrapping the store after the organisation's key is rotated: every package file still
readable by the old identity is decrypted with it and encrypted anew to the current
recipients (the signed policy's `[sync] recipients` and the service's own).

A package's `index.json` is signed by the rep's device, so its SHA-256s cannot change.
The new checksums go into a record beside it, `<package>/rewrap.json`, signed by the
service (`{"kind": "rewrap", "package_id", "files": {name: {size, sha256, was}}}`); the
service's ingest and evidence bundles take a file's checksum from that record where the
index's no longer holds.

Per package, in this order, so a run stopped anywhere is finished by the next:
1. encrypt each file anew and check it (the service's identity decrypts it to the same
   bytes, the old one cannot) before anything in the store changes;
2. write the record (it names the new checksums before the files exist);
3. write each file (on S3 a new version of the same key: Object Lock keeps the old
   version until its retain-until date), read it back and check its checksum;
4. rewrite `index.json` without its copy of the sealed manifest (`sealed_manifest`) if
   the old identity reads that copy: the device signature leaves the copy out, so it
   still holds, and on a folder store the old identity then reads nothing in the package
   (ingest would not use the copy anyway: its checksum is no longer the record's);
5. point the service's index at the new checksums.
A file whose bytes match the record is done and not touched again; a file the old
identity cannot decrypt (written after the rotation) is left as it is. A run stopped
before step 4 drops the copy on the next run, which finds the files done.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from companion.core.access import signed
from companion.core.access.receipts import SERVICE_SIGNER
from companion.core.errors import UserFacingError
from companion.desk.edges.custodian import Custodian
from companion.desk.edges.models import CallRow
from companion.edges.sync.org_store import OrgStore
from companion.edges.sync.package import (
    INDEX,
    SEALED_MANIFEST,
    canonical_json,
    encrypt_for,
    sha256_hex,
)

RECORD = "rewrap.json"
KINDS = ("call-", "concern-")  # the packages in the store: calls and concerns


class RewrapError(UserFacingError):
    """The re-wrap cannot start (the old key is still a recipient, say)."""


@dataclass
class RewrapSummary:
    rewrapped: int = 0  # packages with at least one file re-wrapped in this run
    files: int = 0
    done_before: int = 0  # packages an earlier run finished
    not_old: int = 0  # packages the old identity does not read (written after the rotation)
    problems: dict[str, str] = field(default_factory=dict)

    def line(self, dry_run: bool) -> str:
        verb = "would re-wrap" if dry_run else "re-wrapped"
        return (
            f"{verb} {self.files} file(s) in {self.rewrapped} package(s); "
            f"{self.done_before} done before; {self.not_old} not readable by the old key; "
            f"{len(self.problems)} problem(s)"
        )


def parse_record(raw: bytes | None, package_id: str, service_key: str) -> dict[str, dict[str, Any]]:
    """A package's re-wrapped files (name -> {size, sha256, was}) from its record, checked
    against the service's key; {} when there is none. SignedDocumentError if not ours."""
    if raw is None:
        return {}
    document = signed.parse(raw, "re-wrap record")
    body = document["body"]
    if document["signer"] != SERVICE_SIGNER or body.get("kind") != "rewrap":
        raise signed.SignedDocumentError("The re-wrap record is not the service's.")
    signed.verify(document, service_key, "re-wrap record")
    if body.get("package_id") != package_id:
        raise signed.SignedDocumentError("The re-wrap record is of another package.")
    return dict(body.get("files", {}))


def current_files(
    index_files: dict[str, dict[str, Any]], record: dict[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """The package's files as they are now: the index's, with re-wrapped ones' checksums."""
    return {
        name: (
            {"size": record[name]["size"], "sha256": record[name]["sha256"]}
            if name in record
            else entry
        )
        for name, entry in index_files.items()
    }


def old_identity(path: Path) -> Any:
    """The old age identity from its file (`AGE-SECRET-KEY-...`, as `age-keygen` writes)."""
    import pyrage

    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise RewrapError(f"The old identity {path} cannot be read: {error}") from error
    keys = [line.strip() for line in lines if line.strip().startswith("AGE-SECRET-KEY-")]
    if not keys:
        raise RewrapError(f"{path} holds no age identity (AGE-SECRET-KEY-...).")
    try:
        return pyrage.x25519.Identity.from_str(keys[0])
    except pyrage.IdentityError as error:
        raise RewrapError(f"{path} holds no readable age identity.") from error


def _retain_until(index: dict[str, Any], now: datetime) -> datetime | None:
    """The package's own retention, for the new versions' Object Lock (none once past)."""
    value = index.get("retain_until")
    until = datetime.combine(date.fromisoformat(value), time(), UTC) if value else None
    return until if until is not None and until > now else None


def _decrypts(data: bytes, identity: Any) -> bytes | None:
    import pyrage

    try:
        return bytes(pyrage.decrypt(data, [identity]))
    except pyrage.DecryptError:
        return None


@dataclass
class Rewrap:
    store: OrgStore
    db: sessionmaker[Session]
    custodian: Custodian
    old: Any  # the old pyrage.x25519.Identity
    recipients: list[str]
    clock: Callable[[], datetime]
    dry_run: bool = False

    def check(self) -> None:
        old = str(self.old.to_public())
        if old == self.custodian.recipient:
            raise RewrapError(
                "The service still holds the old identity: re-wrapping would encrypt to it again.",
                "Make the service a new identity first (docs/desk.md, rotating the key).",
            )
        if old in self.recipients:
            raise RewrapError(
                "The policy's [sync] recipients still list the old key's recipient "
                f"({old[:16]}...): re-wrapping would encrypt to it again.",
                "Replace it with the service's new recipient, sign and publish the policy.",
            )

    def run(self, package_ids: list[str]) -> RewrapSummary:
        self.check()
        summary = RewrapSummary()
        for package_id in package_ids:
            try:
                self._package(package_id, summary)
            except UserFacingError as error:
                summary.problems[package_id] = error.message
            except Exception as error:  # the store's (OSError, botocore's), a damaged file's
                first = str(error).splitlines()[0] if str(error) else ""
                summary.problems[package_id] = f"{type(error).__name__}: {first}"
        return summary

    def _package(self, package_id: str, summary: RewrapSummary) -> None:
        index = json.loads(self.store.get(f"{package_id}/{INDEX}") or b"{}")
        index_files: dict[str, dict[str, Any]] = index.get("files", {})
        raw = self.store.get(f"{package_id}/{RECORD}")
        record = parse_record(raw, package_id, self.custodian.public_key)
        fresh: dict[str, bytes] = {}
        for name, entry in index_files.items():
            data = self.store.get(f"{package_id}/{name}")
            if data is None:
                raise RewrapError(f"{package_id}/{name} is missing from the store.")
            digest = sha256_hex(data)
            known = record.get(name, {})
            if digest not in (entry.get("sha256"), known.get("sha256"), known.get("was")):
                raise RewrapError(f"{package_id}/{name} matches neither its index nor its record.")
            plain = _decrypts(data, self.old)
            if plain is None:
                continue  # not encrypted to the old key: re-wrapped before, or written after
            new = encrypt_for(plain, self.recipients)
            if sha256_hex(self.custodian.decrypt(new)) != sha256_hex(plain):
                raise RewrapError(f"{package_id}/{name}: the service cannot read the new copy.")
            if _decrypts(new, self.old) is not None:
                raise RewrapError(f"{package_id}/{name}: the old key still reads the new copy.")
            fresh[name] = new
            record[name] = {"size": len(new), "sha256": sha256_hex(new), "was": digest}
        stale_copy = self._old_copy(index)
        if not fresh:
            if record:
                summary.done_before += 1
                self._drop_copy(package_id, index, stale_copy)
                self._point_index(package_id, index_files, record)
            else:
                summary.not_old += 1
            return
        summary.rewrapped += 1
        summary.files += len(fresh)
        if self.dry_run:
            return
        body = {
            "kind": "rewrap",
            "package_id": package_id,
            "at": self.clock().isoformat(),
            "files": record,
        }
        document = signed.sign(body, SERVICE_SIGNER, self.custodian.signing_key)
        keep = _retain_until(index, self.clock())
        self.store.put(f"{package_id}/{RECORD}", signed.canonical(document), keep)  # first
        for name, new in fresh.items():
            self.store.put(f"{package_id}/{name}", new, keep)
            back = self.store.get(f"{package_id}/{name}")
            if back is None or sha256_hex(back) != record[name]["sha256"]:
                raise RewrapError(f"{package_id}/{name} did not read back as written.")
        self._drop_copy(package_id, index, stale_copy)
        self._point_index(package_id, index_files, record)

    def _old_copy(self, index: dict[str, Any]) -> bool:
        """Whether the index carries a copy of the sealed manifest that the old key reads."""
        copy = index.get(SEALED_MANIFEST)
        if not isinstance(copy, str):
            return False
        try:
            data = base64.b64decode(copy, validate=True)
        except ValueError:  # binascii.Error: not a copy anyone reads; left as it is
            return False
        return _decrypts(data, self.old) is not None

    def _drop_copy(self, package_id: str, index: dict[str, Any], stale: bool) -> None:
        """Rewrite `index.json` without the old key's copy; after the files, so that a run
        stopped before leaves the copy to the next, which finds the files done."""
        if not stale or self.dry_run:
            return
        kept = {k: v for k, v in index.items() if k != SEALED_MANIFEST}
        keep = _retain_until(index, self.clock())
        self.store.put(f"{package_id}/{INDEX}", canonical_json(kept), keep)

    def _point_index(
        self,
        package_id: str,
        index_files: dict[str, dict[str, Any]],
        record: dict[str, dict[str, Any]],
    ) -> None:
        if self.dry_run:
            return
        with self.db.begin() as session:
            row = session.get(CallRow, package_id)
            if row is not None:
                row.files = json.dumps(current_files(index_files, record))
