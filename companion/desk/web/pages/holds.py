"""Legal holds by matter, for approvers who may place them. Placing or releasing a hold
is signed with the approver's own key (`companion desk hold` / `release`): the service
checks that signature, and this page never holds a key."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from starlette.responses import Response

from companion.desk.app.holds import standing_holds
from companion.desk.web.desk import NotFound, Page


def holds_page(p: Page) -> Response:
    if p.person is None or not p.person.may_hold:
        raise NotFound("There is no such page for you.")
    matters: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for hold in standing_holds(p.desk.service):
        matters[hold["matter"]].append(hold)
    return p.render("holds.html", matters=sorted(matters.items()))
