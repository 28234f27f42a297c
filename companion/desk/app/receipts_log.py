"""Who opened what: the service's committed access receipts, newest first, for a role over
all calls (the door's `report` read decides, and a refusal is audited like any other).

The receipts are the signed documents the ledger committed; nothing is decrypted here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from companion.core.access.door import Read, authorise
from companion.desk.edges.models import ReceiptRow

if TYPE_CHECKING:
    from companion.desk.app.reads import ReviewerSession


@dataclass(frozen=True)
class ReceiptLine:
    rep: str
    seq: int
    at: datetime
    action: str
    call: str | None
    actor: str
    actor_name: str
    role_kind: str
    purpose: str
    reason: str
    approval: str | None
    parts: tuple[str, ...]


def receipts_log(
    session: ReviewerSession, *, rep: str | None = None, limit: int = 50, offset: int = 0
) -> tuple[list[ReceiptLine], int]:
    """One page of receipts (optionally one rep's) and how many there are in all."""
    service = session.service
    decision = authorise(session.rules, session.reviewer, Read.REPORT)
    if not decision.allowed:
        raise service.refuse(session.reviewer, "receipts", None, decision)
    query = select(ReceiptRow)
    count = select(func.count()).select_from(ReceiptRow)
    if rep:
        query, count = query.where(ReceiptRow.rep == rep), count.where(ReceiptRow.rep == rep)
    query = query.order_by(ReceiptRow.at.desc(), ReceiptRow.rep, ReceiptRow.seq.desc())
    with service.db() as db:
        rows = db.execute(query.limit(min(limit, 500)).offset(offset)).scalars().all()
        total = int(db.execute(count).scalar_one())
    lines = []
    for row in rows:
        body = json.loads(row.document)["body"]
        at = row.at if row.at.tzinfo else row.at.replace(tzinfo=UTC)
        lines.append(
            ReceiptLine(
                row.rep,
                row.seq,
                at,
                row.action,
                row.call,
                row.actor,
                str(body.get("reviewer_name", row.actor)),
                str(body.get("role_kind", "")),
                str(body.get("purpose", "")),
                str(body.get("reason", "")),
                body.get("approval"),
                tuple(body.get("parts") or ()),
            )
        )
    return lines, total
