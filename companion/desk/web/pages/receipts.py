"""Receipts: who opened what of whose call, when, for which purpose and why; for a role
over all calls (compliance). The service's `receipts_log` asks the door first."""

from __future__ import annotations

from starlette.responses import Response

from companion.core.access.receipts import ACTIONS
from companion.desk.app.receipts_log import receipts_log
from companion.desk.web.desk import Page
from companion.desk.web.pages.calls import visible_reps
from companion.desk.web.pages.show import when

PAGE = 50


def receipts_page(p: Page) -> Response:
    try:
        number = max(1, min(int(p.query.get("page") or 1), 10_000))
    except ValueError:
        number = 1
    rep = p.query.get("rep") or None
    lines, total = receipts_log(p.reviewer(), rep=rep, limit=PAGE, offset=(number - 1) * PAGE)
    shown = [
        {
            "at": when(line.at),
            "what": ACTIONS.get(line.action, line.action),
            "rep": line.rep,
            "call": line.call or "",
            "who": line.actor_name,
            "role": line.role_kind,
            "purpose": line.purpose.replace("_", " "),
            "reason": line.reason,
            "approval": line.approval or "",
            "parts": ", ".join(part.replace("_", " ") for part in line.parts),
        }
        for line in lines
    ]
    return p.render(
        "receipts.html",
        receipts=shown,
        total=total,
        page=number,
        more=number * PAGE < total,
        reps=visible_reps(p),
        rep=rep or "",
    )
