"""The audit trail: append-only, hash-chained, verifiable by anyone with the file.

Each entry's hash covers its content and the previous entry's hash, so an edited,
deleted or reordered entry breaks the chain from that point; the anchor row (count
and last hash) catches a deleted tail.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from companion.edges.store.models import AuditAnchorRecord, AuditEventRecord

GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditProblem:
    seq: int
    problem: str

    def __str__(self) -> str:
        return f"entry {self.seq}: {self.problem}"


def _canonical(payload: dict[str, Any]) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(
    seq: int, at: str, actor: str, call_id: str | None, kind: str, payload: str, prev: str
) -> str:
    body = _canonical(
        {
            "seq": seq,
            "at": at,
            "actor": actor,
            "call_id": call_id,
            "kind": kind,
            "payload": payload,
            "prev": prev,
        }
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def append(
    session: Session,
    kind: str,
    actor: str,
    payload: dict[str, Any],
    call_id: str | None = None,
    at: datetime | None = None,
) -> AuditEventRecord:
    """Add one entry in the caller's transaction (so evidence and its audit land together)."""
    anchor = session.get(AuditAnchorRecord, 1)
    seq = (anchor.count if anchor else 0) + 1
    prev = anchor.last_hash if anchor else GENESIS
    stamp = (at or datetime.now(UTC)).isoformat()
    body = _canonical(payload)
    digest = entry_hash(seq, stamp, actor, call_id, kind, body, prev)
    record = AuditEventRecord(
        seq=seq,
        at=stamp,
        actor=actor,
        call_id=call_id,
        kind=kind,
        payload=body,
        prev_hash=prev,
        hash=digest,
    )
    session.add(record)
    if anchor is None:
        session.add(AuditAnchorRecord(id=1, count=seq, last_hash=digest))
        session.flush()  # the anchor row must exist before the next append reads it
    else:
        anchor.count, anchor.last_hash = seq, digest  # identity map: no flush needed
    return record


def verify(session: Session) -> list[AuditProblem]:
    """Every problem found, first bad entry first; an empty list means the chain holds."""
    problems: list[AuditProblem] = []
    expected_seq, prev = 1, GENESIS
    rows = session.scalars(select(AuditEventRecord).order_by(AuditEventRecord.seq))
    for row in rows:
        if row.seq != expected_seq:
            problems.append(AuditProblem(expected_seq, f"missing (next entry is {row.seq})"))
        if row.prev_hash != prev:
            problems.append(AuditProblem(row.seq, "does not follow the entry before it"))
        digest = entry_hash(
            row.seq, row.at, row.actor, row.call_id, row.kind, row.payload, row.prev_hash
        )
        if digest != row.hash:
            problems.append(AuditProblem(row.seq, "content was changed after it was written"))
        expected_seq, prev = row.seq + 1, row.hash
    anchor = session.get(AuditAnchorRecord, 1)
    count = expected_seq - 1
    if anchor is not None and (anchor.count != count or anchor.last_hash != prev):
        problems.append(
            AuditProblem(count + 1, f"missing: the trail should end at entry {anchor.count}")
        )
    return problems


def entries(session: Session) -> Iterator[dict[str, Any]]:
    rows = session.scalars(select(AuditEventRecord).order_by(AuditEventRecord.seq))
    for row in rows:
        yield {
            "seq": row.seq,
            "at": row.at,
            "actor": row.actor,
            "call_id": row.call_id,
            "kind": row.kind,
            "payload": json.loads(row.payload),
            "prev_hash": row.prev_hash,
            "hash": row.hash,
        }


def export_jsonl(session: Session, out: TextIO) -> int:
    count = 0
    for entry in entries(session):
        out.write(json.dumps(entry, ensure_ascii=False) + "\n")
        count += 1
    return count
