"""Legal holds by matter, for approvers who may place them: the standing holds, a form to
place one (matter, what it keeps, review date) and, on each hold, a form to release it
with a reason. The browser holds no key: the service signs the hold or release for the
signed-in approver (`on_behalf_of`), checks it against the policy, records it and writes
it to the store, as it does for one signed with `companion desk hold` / `release`."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date
from typing import Any

from starlette.responses import Response

from companion.core.errors import UserFacingError
from companion.desk.app.holds import place_hold_for, release_hold_for, standing_holds
from companion.desk.web.desk import NotFound, Page

FIELDS = ("matter", "calls", "accounts", "reps", "review_on")


def _approver(p: Page) -> str:
    if p.person is None or not p.person.may_hold:
        raise NotFound("There is no such page for you.")
    return p.person.id


def _names(text: str) -> list[str]:
    """Separated by commas (or lines), as typed."""
    return [name.strip() for name in re.split(r"[,\n]", text) if name.strip()][:200]


def holds_page(p: Page, status: int = 200, message: str = "", error: str = "",
               release_error: tuple[str, str] = ("", "")) -> Response:  # fmt: skip
    _approver(p)
    matters: dict[str, list[dict[str, Any]]] = defaultdict(list)
    approvers = p.desk.service.policy.access.approvers
    for hold in standing_holds(p.desk.service):
        who = approvers.get(hold["approver"])
        name = who.name if who else hold["approver"]
        matters[hold["matter"]].append(hold | {"approver_name": name})
    typed = {name: p.form.get(name, "") for name in FIELDS} if error else {}
    return p.render(
        "holds.html",
        status,
        matters=sorted(matters.items()),
        message=message,
        error=error,
        typed=typed,
        release_error=release_error,
        today=p.desk.now().date().isoformat(),
    )


def place(p: Page) -> Response:
    approver = _approver(p)
    try:
        try:
            review_on = date.fromisoformat(p.form.get("review_on", ""))
        except ValueError:
            raise UserFacingError("Give the review date (YYYY-MM-DD).") from None
        done = place_hold_for(
            p.desk.service,
            approver,
            p.form.get("matter", "")[:200],
            review_on,
            calls=_names(p.form.get("calls", "")),
            accounts=_names(p.form.get("accounts", "")),
            reps=_names(p.form.get("reps", "")),
        )
    except UserFacingError as error:
        return holds_page(p, 400, error=error.message)
    return holds_page(p, message=f"Hold {done['id']} placed for “{done['matter']}”.")


def release(p: Page) -> Response:
    approver = _approver(p)
    hold = p.arg("hold")
    try:
        release_hold_for(p.desk.service, approver, hold, p.form.get("reason", "")[:500])
    except UserFacingError as error:
        return holds_page(p, 400, release_error=(hold, error.message))
    return holds_page(p, message=f"Hold {hold} released.")
