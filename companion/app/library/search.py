"""The library: every call with its account, date, type, consent outcome, tags, sync state
and local deletion date; full-text search (SQLite FTS5) and filters.

The search text is never passed to FTS5 as query syntax: each whitespace-separated word
becomes a quoted prefix term (`"word"*`), all of which must match somewhere in the
call's account, moment notes and tag labels, CRM text or nuance note. Words with no
letter or digit (`"`, `*`, `--`, emoji) cannot match a token and are ignored, so no
input makes the search fail.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import column, exists, or_, select, text
from sqlalchemy.orm import Session, sessionmaker

from companion.app.review.moments import tag_display
from companion.core.policy.model import Policy
from companion.edges.store.models import (
    CallRecord,
    CallReviewRecord,
    MomentRecord,
    RecordingSegmentRecord,
)

if TYPE_CHECKING:  # cryptography loads with the first hold, not at start-up
    from companion.core.access.holds import OrgHold


@dataclass(frozen=True)
class LibraryQuery:
    """What the rep asked for; empty fields do not filter. Dates are inclusive (UTC)."""

    text: str = ""
    tags: Sequence[str] = ()  # tag keys: calls with at least one moment tagged so
    call_types: Sequence[str] = ()
    outcomes: Sequence[str] = ()  # pending, blocked, declined, consented, recorded
    date_from: date | None = None
    date_to: date | None = None
    limit: int = 500


@dataclass(frozen=True)
class LibraryRow:
    call_id: str
    started_at: datetime
    account: str
    call_type: str
    call_type_label: str  # the policy's label, or the key for a type it no longer has
    outcome: str
    outcome_reason: str
    tags: tuple[str, ...]  # labels, in the order they first occur in the call
    sync_state: str  # "local" until the sync worker says otherwise
    ready_to_sync: bool
    delete_on: date | None  # local audio removed on this day (None: no audio, or no policy)


KEPT_AUDIO = ("recording", "complete", "recovered")  # a segment whose file is kept


def fts_query(user_text: str) -> str | None:
    """The user's words as an FTS5 query of quoted prefix terms, or None if none count."""
    terms = []
    for word in user_text.split():
        if any(ch.isalnum() for ch in word):
            terms.append('"' + word.replace('"', '""') + '"*')
    return " ".join(terms) or None


def local_days(policy: Policy, call_type: str) -> int:
    """Days a call's notes stay on this machine: its type's retention rule.

    A type without a rule (never recorded) or unknown to this policy gets the shortest
    local period the policy has: under uncertainty, keep less.
    """
    kind = policy.call_types.get(call_type)
    if kind is not None and kind.retention in policy.retention:
        return policy.retention[kind.retention].local_days
    return min(rule.local_days for rule in policy.retention.values())


def delete_on(policy: Policy | None, call_type: str, started_at: datetime) -> date | None:
    if policy is None:
        return None
    return (started_at + timedelta(days=local_days(policy, call_type))).date()


def search_calls(
    store: sessionmaker[Session],
    query: LibraryQuery,
    policy: Policy | None = None,
    said: Callable[[str], set[str] | None] | None = None,
) -> list[LibraryRow]:
    """Calls matching `query`, newest first, at most `query.limit` of them.

    `said(text)` gives the calls whose transcript holds every word (the blind index);
    a call matches if its notes or its transcript do.
    """
    stmt = (
        select(
            CallRecord.id,
            CallRecord.started_at,
            CallRecord.account,
            CallRecord.call_type,
            CallRecord.outcome,
            CallRecord.outcome_reason,
            CallReviewRecord.sync_state,
            CallReviewRecord.ready_to_sync,
            exists()
            .where(
                RecordingSegmentRecord.call_id == CallRecord.id,
                RecordingSegmentRecord.state.in_(KEPT_AUDIO),
            )
            .label("has_audio"),
        )
        .join(CallReviewRecord, CallReviewRecord.call_id == CallRecord.id)
        .order_by(CallRecord.started_at.desc(), CallRecord.id)
        .limit(max(0, query.limit))
    )
    match = fts_query(query.text)
    if match is not None:
        hits = (
            text("SELECT rowid FROM call_search WHERE call_search MATCH :fts")
            .bindparams(fts=match)
            .columns(column("rowid"))
        )
        spoken = said(query.text) if said else None
        in_notes = CallReviewRecord.id.in_(hits)
        stmt = stmt.where(or_(in_notes, CallRecord.id.in_(spoken)) if spoken else in_notes)
    if query.tags:
        stmt = stmt.where(
            exists().where(MomentRecord.call_id == CallRecord.id, MomentRecord.tag.in_(query.tags))
        )
    if query.call_types:
        stmt = stmt.where(CallRecord.call_type.in_(query.call_types))
    if query.outcomes:
        stmt = stmt.where(CallRecord.outcome.in_(query.outcomes))
    if query.date_from is not None:
        stmt = stmt.where(CallRecord.started_at >= datetime.combine(query.date_from, time.min))
    if query.date_to is not None:
        end = datetime.combine(query.date_to + timedelta(days=1), time.min)
        stmt = stmt.where(CallRecord.started_at < end)
    with store() as db:
        rows = db.execute(stmt).all()
        tags = _tag_labels(db, [row.id for row in rows], policy)
    return [
        LibraryRow(
            row.id,
            row.started_at,
            row.account,
            row.call_type,
            _type_label(policy, row.call_type),
            row.outcome,
            row.outcome_reason,
            tags.get(row.id, ()),
            row.sync_state,
            row.ready_to_sync,
            delete_on(policy, row.call_type, row.started_at) if row.has_audio else None,
        )
        for row in rows
    ]


def _type_label(policy: Policy | None, call_type: str) -> str:
    kind = policy.call_types.get(call_type) if policy else None
    return kind.label if kind else call_type


def _tag_labels(
    db: Session, call_ids: list[str], policy: Policy | None
) -> dict[str, tuple[str, ...]]:
    found: dict[str, dict[str, None]] = {}
    for chunk in range(0, len(call_ids), 500):  # stay under SQLite's variable limit
        moments = db.execute(
            select(MomentRecord.call_id, MomentRecord.tag, MomentRecord.tag_label)
            .where(
                MomentRecord.call_id.in_(call_ids[chunk : chunk + 500]),
                MomentRecord.tag.is_not(None),
            )
            .order_by(MomentRecord.call_id, MomentRecord.offset_ms, MomentRecord.id)
        )
        for call_id, tag, label in moments:
            shown, _ = tag_display(tag, label, None, policy)
            found.setdefault(call_id, {})[shown or tag or ""] = None
    return {call_id: tuple(labels) for call_id, labels in found.items()}


@dataclass(frozen=True)
class AccessView:
    """Who in the organisation opened the rep's calls, as the last sync verified it."""

    by_call: dict[str, list[str]]  # call id -> "Viewed by Dana Lee (...) on 3 Dec, 14:02"
    warnings: list[str]  # a receipt missing or changed in the store
    holds: list[OrgHold] = field(default_factory=list)  # the organisation's, at last sync
    rep: str = ""
    show_matter: bool = False  # the policy's `access.show_hold_matter`
    waiting: str = ""  # receipts written before the rep's key: why the rep cannot read them

    def hold(self, call_id: str, account: str) -> str:
        """ "legal hold" (with the matter if the policy shows it) when one keeps the call."""
        for hold in self.holds:
            if hold.covers(call_id, account, self.rep):
                return f"legal hold: {hold.matter}" if self.show_matter else "legal hold"
        return ""

    def latest(self, call_id: str) -> str:
        shown = self.by_call.get(call_id, [])
        more = f" (+{len(shown) - 1} more)" if len(shown) > 1 else ""
        return shown[-1] + more if shown else ""


def access_view(data_dir: Path, rep: str = "", policy: Policy | None = None) -> AccessView:
    # cryptography loads with the receipts, when the library opens, not at start-up
    from companion.app.sync.access_receipts import BOOK, ReceiptBook

    book = ReceiptBook.load(data_dir / BOOK)
    by_call: dict[str, list[str]] = {}
    for receipt in book.receipts:
        by_call.setdefault(receipt.call.removeprefix("call-"), []).append(receipt.describe())
    from companion.app.sync.org_holds import org_holds

    show = policy is not None and policy.access.show_hold_matter
    from companion.core.access.receipts import waiting_words

    holds = org_holds(data_dir)
    return AccessView(by_call, list(book.warnings), holds, rep, show, waiting_words(book.waiting))
