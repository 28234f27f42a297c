"""Legal holds from the organisation: signed by an approver, honoured by the rep's companion.

A hold (`holds/<id>.json` in the store) is a signed document (see `signed`) whose body is

    {"kind": "hold", "id": "hold-2026-003", "matter": "Globex dispute",
     "calls": ["call-<id>"], "accounts": ["Globex"], "reps": ["alice"],
     "review_on": "2027-06-01", "placed_at": "<ISO time>"}

(any of calls, accounts and reps may be empty, not all). Its release
(`holds/<id>.release.json`) is signed the same way:

    {"kind": "release", "hold": "hold-2026-003", "reason": "matter settled",
     "released_at": "<ISO time>"}

Both must be signed by an approver whom the policy lets place legal holds, or, when the
approver acted in the web desk (signed in, no key in the browser), by the desk service
(`desk-service`, its key in the policy's `[access.service]`) with the body naming that
approver in `"on_behalf_of"`; the approver must still be one who may place legal holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from companion.core.access import signed
from companion.core.access.approvals import signer_key
from companion.core.access.receipts import SERVICE_SIGNER
from companion.core.access.rules import AccessRefused
from companion.core.policy.access import AccessRules, Power


@dataclass(frozen=True)
class OrgHold:
    id: str
    matter: str
    approver: str
    calls: tuple[str, ...]
    accounts: tuple[str, ...]
    reps: tuple[str, ...]
    review_on: str

    def covers(self, call_id: str, account: str, rep: str) -> bool:
        return (
            f"call-{call_id}" in self.calls
            or call_id in self.calls
            or account in self.accounts
            or rep in self.reps
        )


def _verified(raw: bytes, rules: AccessRules, what: str) -> dict[str, Any]:
    """The document, its signature checked; its "approver" is whom the hold is by."""
    try:
        document = signed.parse(raw, what)
        if document["signer"] != SERVICE_SIGNER:
            signed.verify(document, signer_key(rules, document, Power.LEGAL_HOLD, what), what)
            return document | {"approver": document["signer"]}
        if rules.service is None:
            raise AccessRefused(
                f"The {what} is signed by the desk service, but the policy names none "
                "([access.service])."
            )
        signed.verify(document, rules.service.key, what)
    except signed.SignedDocumentError as error:
        raise AccessRefused(error.message) from error
    behalf = str(document["body"].get("on_behalf_of", ""))
    signer_key(rules, {"signer": behalf}, Power.LEGAL_HOLD, what)  # refuses if they may not
    return document | {"approver": behalf}


def check_hold(raw: bytes, rules: AccessRules) -> OrgHold:
    document = _verified(raw, rules, "legal hold")
    body = document["body"]
    scope = {
        name: tuple(str(v) for v in body.get(name, [])) for name in ("calls", "accounts", "reps")
    }
    if body.get("kind") != "hold" or not body.get("id") or not any(scope.values()):
        raise AccessRefused("The legal hold names no calls, accounts or reps.")
    return OrgHold(
        str(body["id"]),
        str(body.get("matter", "")),
        str(document["approver"]),
        scope["calls"],
        scope["accounts"],
        scope["reps"],
        str(body.get("review_on", "")),
    )


def check_release(raw: bytes, rules: AccessRules, hold_id: str) -> str:
    """The release's reason, when it validly releases `hold_id`."""
    body = _verified(raw, rules, "hold release")["body"]
    if body.get("kind") != "release" or body.get("hold") != hold_id:
        raise AccessRefused(f"The release does not name the hold {hold_id}.")
    if not str(body.get("reason", "")).strip():
        raise AccessRefused("A hold release needs a reason.")
    return str(body["reason"])
