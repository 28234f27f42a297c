"""Deleting local audio past its retention window, with every deletion audited.

Only audio that reached the organisation is deleted, unless the policy says
unsynced audio may go too; calls under legal hold (the policy's, or the
organisation's signed holds fetched at sync) are never touched. A dry run
lists what a sweep would delete, so a shortened window can be shown first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from companion.core.policy.model import Policy
from companion.core.retention import CallFacts, hold_on, locally_expired
from companion.edges.store.models import CallRecord, CallReviewRecord, RecordingSegmentRecord
from companion.edges.store.recordings import delete_segments
from companion.edges.sync.package import package_id_for

if TYPE_CHECKING:  # cryptography loads with the first hold, not at start-up
    from companion.core.access.holds import OrgHold
    from companion.edges.sync.sealed_cache import SealedCache


@dataclass
class SweepReport:
    deleted: list[tuple[str, str, int]] = field(default_factory=list)  # call, account, files
    held: int = 0
    kept_unsynced: int = 0

    def summary(self, dry_run: bool) -> str:
        verb = "would delete" if dry_run else "deleted"
        files = sum(n for _, _, n in self.deleted)
        return (
            f"{verb} local audio of {len(self.deleted)} call(s) ({files} file(s)); "
            f"{self.held} under legal hold; {self.kept_unsynced} kept until synced"
        )


def sweep(
    store: sessionmaker[Session],
    policy: Policy,
    actor: str,
    today: date | None = None,
    dry_run: bool = False,
    holds: Sequence[OrgHold] = (),
    sealed: SealedCache | None = None,
) -> SweepReport:
    """`holds`: the organisation's legal holds standing at the last sync (`org_holds`);
    `sealed`: the sync's cache of sealed files, forgotten with the audio (its ciphertext
    and its file names, hashes of the plaintext, must not outlive the retention window)."""
    today = today or datetime.now(UTC).date()
    report = SweepReport()
    with store.begin() as db:
        rows = db.execute(
            select(CallRecord, CallReviewRecord.sync_state)
            .join(CallReviewRecord, CallReviewRecord.call_id == CallRecord.id)
            .where(
                CallRecord.id.in_(
                    select(RecordingSegmentRecord.call_id).where(
                        RecordingSegmentRecord.state.in_(("complete", "recovered"))
                    )
                )
            )
        ).all()
        kept = ("complete", "recovered")
        segments: dict[str, list[RecordingSegmentRecord]] = {}
        for segment in db.scalars(
            select(RecordingSegmentRecord).where(RecordingSegmentRecord.state.in_(kept))
        ):
            segments.setdefault(segment.call_id, []).append(segment)
        for call, sync_state in rows:
            facts = CallFacts(call.id, call.account, call.call_type, call.started_at)
            if hold_on(policy, facts) is not None or any(
                hold.covers(call.id, call.account, call.rep) for hold in holds
            ):
                report.held += 1
                continue
            if not locally_expired(policy, facts, today):
                continue
            if sync_state != "synced" and not policy.sync.delete_unsynced_audio:
                report.kept_unsynced += 1
                continue
            count = _delete(db, call.id, segments.get(call.id, []), actor, dry_run)
            report.deleted.append((call.id, call.account, count))
            if sealed is not None and not dry_run:
                sealed.forget(package_id_for(call.id))
    return report


def _delete(
    db: Session, call_id: str, segments: list[RecordingSegmentRecord], actor: str, dry_run: bool
) -> int:
    """One call's expired segments: files removed, rows marked, one audit entry each."""
    if dry_run:
        return len(segments)
    return delete_segments(
        db,
        segments,
        call_id=call_id,
        actor=actor,
        event="recording.deleted",
        state="expired",
        details={"reason": "retention window ended"},
        at=datetime.now(UTC),
    )
