"""Ingest: the service reads new packages from the store into its own index.

Each pass lists the store once (no GET per package to list), skips what the database
already holds (listed or quarantined: that is the cursor), and for each new package
fetches its index and manifest, decrypts the manifest in memory and checks who wrote it:
the index's device signature by a device enrolled for the manifest's rep, the manifest's
own signature, and that index and manifest agree. Rep, call type and times come from the
decrypted, signed manifest, never from the plain index; so do the tags of its moments
(the calls list filters by them). A package that fails a check is quarantined with the
reason and never listed. Calls ingested before tags were indexed get theirs at the next
pass (their manifest is fetched again, checked against the index and decrypted).

The manifest comes from the index's own copy (`sealed_manifest`, see
`edges.sync.package`) when its SHA-256 is the current checksum of `manifest.json.age` (the
signed index's, or the re-wrap record's): one GET per package, which is what makes
10,000 packages from S3 fit in a minute. A copy that does not match is never used: the
file is fetched and checked as for a package of an older companion that has no copy.

The same pass keeps, of each call, what the program report counts (consent outcome,
the unclear-answer flag, call type, account for legal holds), and of each concern its
category, so the report decrypts nothing (calls ingested before these were kept are
filled in the same way as their tags). It learns the reps' published recipients and
seals, for a rep who published one since, a copy of each receipt that was sealed for the
organisation only.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from companion.core.access import signed
from companion.core.access.devices import DeviceProblem, check_package_signatures
from companion.desk.app.program_report import report_call
from companion.desk.edges.database import insert_ignoring
from companion.desk.edges.models import (
    CallRow,
    CallTagRow,
    ConcernRow,
    DeviceRow,
    IngestState,
    QuarantineRow,
    ReceiptRow,
    RepRow,
)
from companion.desk.edges.rewrap import RECORD, current_files, parse_record
from companion.desk.edges.store_listing import complete_packages, side_by_side
from companion.edges.sync.org_store import FolderOrgStore, receipt_key, rep_recipient
from companion.edges.sync.package import (
    INDEX,
    MANIFEST,
    SEALED_MANIFEST,
    encrypt_for,
    sha256_hex,
)

if TYPE_CHECKING:
    from companion.desk.app.service import DeskService

BATCH = 500
CONCERN = "concern.json.age"


@dataclass
class IngestReport:
    listed: int = 0
    quarantined: dict[str, str] = field(default_factory=dict)
    resealed: int = 0


@dataclass(frozen=True)
class _Fetched:
    package_id: str
    index: bytes | None
    manifest: bytes | None
    rewrapped: bytes | None = None  # the service's re-wrap record, if the package has one


def _when(value: Any) -> datetime | None:
    return datetime.fromisoformat(str(value)) if value else None


def tags_of(manifest: dict[str, Any]) -> list[str]:
    """The distinct tags of the signed manifest's moments (drafts too: the page shows them)."""
    moments = manifest.get("moments") or []
    return sorted({str(m["tag"])[:120] for m in moments if isinstance(m, dict) and m.get("tag")})


def _row(
    service: DeskService, fetched: _Fetched, devices: dict[str, str], service_key: str
) -> tuple[CallRow, list[str]] | str:
    """The index row of a checked package and its tags, or why it is quarantined."""
    try:
        index = json.loads(fetched.index or b"")
    except ValueError:
        return "its index.json is not readable"
    try:  # re-wrapped files: checksums from the service's signed record, not the index
        record = parse_record(fetched.rewrapped, fetched.package_id, service_key)
    except signed.SignedDocumentError as problem:
        return f"its re-wrap record does not hold: {problem.message}"
    files = current_files(index.get("files", {}), record)
    entry = files.get(MANIFEST + ".age")
    if fetched.manifest is None or entry is None:
        return "it has no manifest"
    if sha256_hex(fetched.manifest) != entry.get("sha256"):
        return "its manifest does not match its index"
    try:
        plain = service.custodian.decrypt(fetched.manifest)
        manifest = json.loads(plain)
    except Exception:  # pyrage.DecryptError, ValueError
        return "its manifest is not encrypted to the desk service, or is damaged"
    try:
        device = check_package_signatures(index, plain, manifest, devices, service.require_signed)
    except DeviceProblem as problem:
        return problem.message
    if (index.get("package_id"), index.get("rep")) != (fetched.package_id, manifest.get("rep")):
        return "its index names another call or rep than its signed manifest"
    if manifest.get("package_id") != fetched.package_id:
        return "its manifest is of another call"
    call = manifest.get("call", {})
    transcript = manifest.get("transcript") or {}
    retain = manifest.get("retention", {}).get("organisation_until")
    counted = report_call(fetched.package_id, manifest)
    return CallRow(
        package_id=fetched.package_id,
        tags_read=True,
        rep=str(manifest["rep"]),
        call_type=str(manifest.get("call_type", {}).get("key", "")),
        started_at=_when(call.get("started_at")),
        ended_at=_when(call.get("ended_at")),
        has_audio=bool(manifest.get("audio", {}).get("included")),
        has_transcript=bool(transcript.get("included")),
        retain_until=date.fromisoformat(retain) if retain else None,
        files=json.dumps(files),
        device=device,
        ingested_at=service.clock(),
        account=str(manifest.get("account") or ""),
        consent_status=counted.consent,
        consent_reason=counted.consent_reason,
        unclear_answers=counted.unclear_answers,
    ), tags_of(manifest)


def _copied_manifest(
    index_bytes: bytes | None, record_bytes: bytes | None, package_id: str, service_key: str
) -> bytes | None:
    """The index's copy of the sealed manifest if it is the manifest as the package now has
    it (checksum from the signed index or the re-wrap record); None: fetch the file."""
    try:
        index = json.loads(index_bytes or b"")
        copy = base64.b64decode(index[SEALED_MANIFEST], validate=True)
        record = parse_record(record_bytes, package_id, service_key)
        expected = current_files(index["files"], record)[MANIFEST + ".age"]["sha256"]
    except (ValueError, TypeError, KeyError, AttributeError):  # binascii.Error too
        return None  # no usable copy: the file is fetched
    except signed.SignedDocumentError:
        return None  # a record that does not hold: _row quarantines the package
    return copy if sha256_hex(copy) == expected else None


def enrolled_devices(service: DeskService) -> dict[str, str]:
    """Device public key -> rep: the policy's `[access.devices]` and enrolments."""
    found = {d.key: d.rep for d in service.policy.access.devices.values()}
    with service.db() as session:
        for key, rep in session.execute(select(DeviceRow.key, DeviceRow.rep)):
            found.setdefault(key, rep)
    return found


def ingest(service: DeskService) -> IngestReport:
    report = IngestReport()
    store = service.store
    with service.db() as session:
        known = set(session.execute(select(CallRow.package_id)).scalars())
        known |= set(session.execute(select(QuarantineRow.package_id)).scalars())
        known |= set(session.execute(select(ConcernRow.package_id)).scalars())
    listing = complete_packages(store)
    new = [p for p in listing.ids if p not in known]
    devices = enrolled_devices(service)
    folder = isinstance(store, FolderOrgStore)
    service_key = service.custodian.public_key  # once: it is serialised on each call

    def fetch(package_id: str) -> _Fetched:
        index = store.get(f"{package_id}/{INDEX}")
        record = store.get(f"{package_id}/{RECORD}") if listing.has_record(package_id) else None
        manifest = _copied_manifest(index, record, package_id, service_key)
        if manifest is None:  # an older companion's package, or a copy that does not match
            manifest = store.get(f"{package_id}/{MANIFEST}.age")
        return _Fetched(package_id, index, manifest, record)

    batch: list[CallRow | CallTagRow | QuarantineRow] = []
    for fetched in side_by_side(fetch, new, folder):
        row = _row(service, fetched, devices, service_key)
        if isinstance(row, str):
            report.quarantined[fetched.package_id] = row
            batch.append(
                QuarantineRow(package_id=fetched.package_id, reason=row, at=service.clock())
            )
        else:
            report.listed += 1
            batch.append(row[0])
            batch += [CallTagRow(package_id=fetched.package_id, tag=tag) for tag in row[1]]
        if len(batch) >= BATCH:
            _save(service, batch)
    _save(service, batch)
    _concerns(service, known, report)
    _older_calls(service)
    report.resealed = _reps(service)
    return report


def _concerns(service: DeskService, known: set[str], report: IngestReport) -> None:
    """Each new concern's category, for the program report (its text and rep stay sealed)."""
    store = service.store
    for package_id in complete_packages(store, "concern-").ids:
        if package_id in known:
            continue
        try:
            index = json.loads(store.get(f"{package_id}/{INDEX}") or b"")
            entry = index["files"][CONCERN]
            sealed = store.get(f"{package_id}/{CONCERN}") or b""
            if sha256_hex(sealed) != entry["sha256"]:
                raise ValueError("its concern does not match its index")
            label = str(json.loads(service.custodian.decrypt(sealed))["category_label"])
            row: ConcernRow | QuarantineRow = ConcernRow(
                package_id=package_id, category_label=label, ingested_at=service.clock()
            )
        except Exception as error:  # pyrage.DecryptError, ValueError, KeyError
            reason = str(error) if isinstance(error, ValueError) else "its concern is unreadable"
            report.quarantined[package_id] = reason
            row = QuarantineRow(package_id=package_id, reason=reason, at=service.clock())
        with service.db.begin() as session:
            session.execute(insert_ignoring(session, type(row)).values(_values(row)))


def _older_calls(service: DeskService) -> None:
    """Tags and the report's numbers for calls ingested before they were indexed: from
    their signed manifest, the same bytes the index checked at ingest (a changed file is
    left for a person to see). Once done, the report decrypts nothing."""
    with service.db() as session:
        waiting = list(
            session.execute(
                select(CallRow.package_id, CallRow.files)
                .where(CallRow.tags_read.is_(None) | CallRow.consent_status.is_(None))
                .limit(BATCH)
            ).all()
        )  # fmt: skip
    for package_id, files in waiting:
        expected = json.loads(files).get(MANIFEST + ".age", {}).get("sha256")
        sealed = service.store.get(f"{package_id}/{MANIFEST}.age")
        if sealed is None or sha256_hex(sealed) != expected:
            continue
        try:
            manifest = json.loads(service.custodian.decrypt(sealed))
        except Exception:  # pyrage.DecryptError, ValueError: as ingest would have said
            continue
        tags, counted = tags_of(manifest), report_call(package_id, manifest)
        with service.db.begin() as session:
            if tags:
                values = [{"package_id": package_id, "tag": tag} for tag in tags]
                session.execute(insert_ignoring(session, CallTagRow).values(values))
            row = session.get(CallRow, package_id)
            if row is not None:
                row.tags_read = True
                row.account = str(manifest.get("account") or "")
                row.consent_status = counted.consent
                row.consent_reason = counted.consent_reason
                row.unclear_answers = counted.unclear_answers


def _save(service: DeskService, batch: list[CallRow | CallTagRow | QuarantineRow]) -> None:
    if not batch:
        return
    with service.db.begin() as session:
        for table in (CallRow, CallTagRow, QuarantineRow):
            rows = [_values(r) for r in batch if isinstance(r, table)]
            if rows:  # another service may have ingested some meanwhile: theirs stand
                # One statement, many parameter sets: `.values(rows)` compiled a bind
                # parameter per value, which took a third of an ingest pass.
                session.execute(insert_ignoring(session, table.__table__), rows)
        state = session.get(IngestState, "calls")
        stamp = json.dumps({"at": service.clock().isoformat()})
        if state is None:
            session.add(IngestState(name="calls", value=stamp))
        else:
            state.value = stamp
    batch.clear()


def _values(row: CallRow | CallTagRow | QuarantineRow | ConcernRow) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in row.__table__.columns}


def _reps(service: DeskService) -> int:
    """Learn published recipients; seal the rep's copy of receipts sealed before."""
    resealed = 0
    for rep in service.store.folders("reps"):
        recipient = rep_recipient(service.store, rep)
        if not recipient:
            continue
        with service.db.begin() as session:
            row = session.get(RepRow, rep)
            if row is None:
                session.add(RepRow(rep=rep, recipient=recipient))
            elif row.recipient != recipient:
                row.recipient = recipient
        resealed += _reseal(service, rep, recipient)
    return resealed


def _reseal(service: DeskService, rep: str, recipient: str) -> int:
    with service.db() as session:
        waiting = session.execute(
            select(ReceiptRow.seq, ReceiptRow.document)
            .where(ReceiptRow.rep == rep, ReceiptRow.sealed_for_rep.is_(False))
            .order_by(ReceiptRow.seq)
        ).all()
    ledger = service.ledger
    for seq, document in waiting:
        sealed = encrypt_for(
            signed.canonical(json.loads(document)), [*ledger.recipients(None), recipient]
        )
        at = datetime.fromisoformat(json.loads(document)["body"]["at"])
        service.store.put_new(receipt_key(rep, seq), sealed, ledger.keep_until(at))
        with service.db.begin() as session:
            row = session.get(ReceiptRow, (rep, seq))
            if row is not None:
                row.sealed_for_rep = True
    return len(waiting)
