"""The program report from the service: the door decides (a role over all calls), the
numbers come from the service's own index (kept at ingest from the signed manifests),
its standing legal holds and its receipts. Nothing is fetched from the store or decrypted.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from sqlalchemy import select

from companion.core.access.door import Read, authorise
from companion.core.access.holds import OrgHold
from companion.desk.app.program_report import ProgramReport, ReportCall, program_report
from companion.desk.app.reads import ReviewerSession
from companion.desk.edges.models import CallRow, ConcernRow, HoldRow, ReceiptRow


def _holds(rows: list[HoldRow]) -> list[OrgHold]:
    holds = []
    for row in rows:
        scope = json.loads(row.scope)
        holds.append(
            OrgHold(
                row.id,
                row.matter,
                row.approver,
                tuple(scope.get("calls", [])),
                tuple(scope.get("accounts", [])),
                tuple(scope.get("reps", [])),
                row.review_on.isoformat(),
            )
        )
    return holds


def make_report(session: ReviewerSession) -> ProgramReport:
    service = session.service
    decision = authorise(session.rules, session.reviewer, Read.REPORT)
    if not decision.allowed:
        raise service.refuse(session.reviewer, Read.REPORT.value, None, decision)
    with service.db() as db:
        rows = db.execute(select(CallRow)).scalars().all()
        standing = _holds(
            list(db.execute(select(HoldRow).where(HoldRow.released_at.is_(None))).scalars())
        )
        concerns = list(db.execute(select(ConcernRow.category_label)).scalars())
        documents = db.execute(select(ReceiptRow.document)).scalars().all()
    calls = [
        ReportCall(
            row.package_id,
            row.rep,
            row.call_type,
            row.consent_status or "",
            row.consent_reason or "",
            row.unclear_answers or 0,
            row.has_audio,
            row.retain_until,
            any(h.covers(row.package_id, row.account or "", row.rep) for h in standing),
        )
        for row in rows
    ]
    return program_report(
        service.policy.organisation,
        service.clock().date(),
        calls,
        concerns,
        [json.loads(d)["body"] for d in documents],
        {team: list(reps) for team, reps in session.rules.teams.items()},
    )


def report_json(session: ReviewerSession) -> dict[str, Any]:
    report = make_report(session)
    data = asdict(report)
    data["made_on"] = report.made_on.isoformat()
    return data
