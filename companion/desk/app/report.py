"""The program report from the service: the door decides (a role over all calls), the
custodian decrypts the manifests, the service's own receipts are counted."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from sqlalchemy import select

from companion.core.access.door import Read, authorise
from companion.desk.app.program_report import ProgramReport, program_report
from companion.desk.app.reads import ReviewerSession
from companion.desk.edges.models import ReceiptRow


def make_report(session: ReviewerSession) -> ProgramReport:
    service = session.service
    decision = authorise(session.rules, session.reviewer, Read.REPORT)
    if not decision.allowed:
        raise service.refuse(session.reviewer, Read.REPORT.value, None, decision)
    with service.db() as db:
        documents = db.execute(select(ReceiptRow.document)).scalars().all()
    receipts = [json.loads(d)["body"] for d in documents]
    return program_report(
        service.store,
        service.custodian.identity,
        service.policy.organisation,
        receipts,
        service.clock,
    )


def report_json(session: ReviewerSession) -> dict[str, Any]:
    report = make_report(session)
    data = asdict(report)
    data["made_on"] = report.made_on.isoformat()
    return data
