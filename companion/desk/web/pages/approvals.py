"""Performance use: a reviewer asks for it from the purpose form and follows their own
requests on "My requests"; an approver's inbox lists open requests and approves (for some
days) or refuses, with a reason. The service writes a receipt on each rep's chain for
every step."""

from __future__ import annotations

from starlette.responses import Response

from companion.core.errors import UserFacingError
from companion.core.policy.access import Purpose
from companion.desk.app.approvals import ApproverSession, my_requests, request_approval
from companion.desk.web.desk import NotFound, Page
from companion.desk.web.pages.call import purpose_page
from companion.desk.web.pages.show import call_id, when


def ask(p: Page) -> Response:
    """From the purpose form: ask an approver for this call, for this purpose."""
    call = call_id(p.form.get("call", ""))
    try:
        purpose = Purpose(p.form.get("purpose", ""))
    except ValueError:
        return purpose_page(p, call, 400, error="Choose a purpose.")
    done = request_approval(p.reviewer(), [call], purpose, p.form.get("reason", "")[:500])
    assert p.browser is not None
    p.browser.data.setdefault("requested", {})[call] = done["id"]
    p.desk.sessions.save_data(p.browser)
    return purpose_page(p, call, requested=done["id"], approval=done["id"])


def _inbox(p: Page) -> ApproverSession:
    assert p.person is not None
    if not p.person.may_approve:
        raise NotFound("There is no such page for you.")
    return ApproverSession(p.desk.service, p.person.id)


def inbox(p: Page, status: int = 200, message: str = "", error: str = "") -> Response:
    reviewers = p.desk.service.policy.access.reviewers
    pending = [
        item
        | {
            "reviewer_name": reviewers[item["reviewer"]].name
            if item["reviewer"] in reviewers
            else item["reviewer"],
            "purpose_label": item["purpose"].replace("_", " "),
        }
        for item in _inbox(p).pending()
    ]
    return p.render("approvals.html", status, pending=pending, message=message, error=error)


def decide(p: Page) -> Response:
    approve = p.form.get("decision") == "approve"
    try:
        days = int(p.form.get("days") or 7)
        done = _inbox(p).decide(
            p.arg("approval"), approve=approve, reason=p.form.get("reason", "")[:500], days=days
        )
    except (UserFacingError, ValueError) as error:
        text = error.message if isinstance(error, UserFacingError) else "Days is a number."
        return inbox(p, 400, error=text)
    until = f" until {when(done['expires_at'])}" if done.get("expires_at") else ""
    return inbox(p, message=f"{done['id']}: {done['status']}{until}.")


def mine(p: Page) -> Response:
    """The signed-in reviewer's own requests and where each stands."""
    shown = [
        item
        | {
            "purpose_label": item["purpose"].replace("_", " "),
            "until": when(item["expires_at"]),
            "asked": when(item["requested_at"]),
        }
        for item in my_requests(p.reviewer())
    ]
    return p.render("requests.html", requests=shown)
