"""Speaking up: concerns the rep raises travel to the organisation like a call package.

Anonymous concerns store no rep name anywhere, not even in the audit trail, whose
entry only says that a concern of that category was raised.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from companion.core.errors import UserFacingError
from companion.edges.store import audit
from companion.edges.store.models import ConcernRecord
from companion.edges.sync.package import CallPackage, canonical_json, encrypt_for, sha256_hex
from companion.edges.sync.sealed_cache import SealedCache
from companion.edges.sync.targets import SyncTarget

CATEGORIES = {
    "privacy": "Privacy concern",
    "ai_error": "AI or summary error",
    "coaching_misuse": "Coaching misuse",
    "consent_confusion": "Consent confusion",
    "access": "Access issue",
    "other": "Something else",
}
CONCERN_RETENTION_DAYS = 365


class ConcernError(UserFacingError, ValueError):
    """The concern cannot be sent as written; the message says why."""


def raise_concern(
    store: sessionmaker[Session], category: str, text: str, anonymous: bool, rep: str
) -> str:
    if category not in CATEGORIES:
        raise ConcernError(f"unknown category '{category}'")
    if not text.strip():
        raise ConcernError("write a few words about the concern")
    concern_id = str(uuid.uuid4())
    now = datetime.now(UTC)
    with store.begin() as db:
        db.add(
            ConcernRecord(
                id=concern_id,
                category=category,
                text=text,
                rep=None if anonymous else rep,
                created_at=now,
            )
        )
        audit.append(
            db, "concern.raised", "anonymous" if anonymous else rep, {"category": category}, at=now
        )
    return concern_id


def concern_package(
    record: ConcernRecord, recipients: list[str], sealed: SealedCache | None = None
) -> CallPackage:
    manifest = {
        "kind": "concern",
        "id": record.id,
        "category": record.category,
        "category_label": CATEGORIES.get(record.category, record.category),
        "text": record.text,
        "rep": record.rep,
        "anonymous": record.rep is None,
        "raised_at": record.created_at.isoformat(),
    }
    package_id = f"concern-{record.id}"
    plain = canonical_json(manifest)
    if sealed is None:
        sealed_bytes = encrypt_for(plain, recipients)
    else:  # a retry after a cut or a crash resends the same bytes
        sealed_bytes = sealed.seal(package_id, "concern.json", plain, recipients, encrypt_for)
    files = {"concern.json.age": sealed_bytes}
    # Counted from when it was raised, so every retry writes the same index.
    retain = record.created_at.date() + timedelta(days=CONCERN_RETENTION_DAYS)
    index = {
        "format": "rep-companion-concern",
        "schema_version": 1,
        "package_id": package_id,
        "retain_until": retain.isoformat(),
        "legal_hold": False,
        "content_digest": sha256_hex(canonical_json(manifest)),
        "files": {
            "concern.json.age": {"size": len(sealed_bytes), "sha256": sha256_hex(sealed_bytes)}
        },
    }
    return CallPackage(package_id, files, manifest, index, {"use": "speak-up"})


def deliver_concerns(
    store: sessionmaker[Session],
    target: SyncTarget,
    recipients: list[str],
    sealed: SealedCache | None = None,
) -> int:
    """Send undelivered concerns; a failure leaves them queued for the next pass."""
    with store() as db:
        waiting = db.scalars(
            select(ConcernRecord).where(ConcernRecord.delivered_at.is_(None))
        ).all()
    for record in waiting:
        package = concern_package(record, recipients, sealed)
        target.put_package(package)
        with store.begin() as db:
            stored = db.get(ConcernRecord, record.id)
            assert stored is not None
            stored.delivered_at = datetime.now(UTC)
        if sealed is not None:
            sealed.forget(package.package_id)
    return len(waiting)
