"""Approvals for performance use: a signed document naming calls, purpose, reviewer, expiry.

Body of an approval (see `signed` for the envelope; `signer` is the approver's id):

    {"kind": "approval", "id": "apr-2026-014", "calls": ["call-<id>", ...],
     "purpose": "investigation", "reviewer": "dana",
     "issued_at": "2026-12-01T09:00:00+00:00", "expires_at": "2026-12-08T09:00:00+00:00"}
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from companion.core.access import signed
from companion.core.access.rules import AccessRefused
from companion.core.policy.access import AccessRules, Power, Purpose


def signer_key(rules: AccessRules, document: dict[str, Any], power: Power, what: str) -> str:
    """The policy's key for the document's signer, if that approver holds `power`."""
    approver = rules.approvers.get(document["signer"])
    if approver is None:
        raise AccessRefused(
            f"The {what} is signed by '{document['signer']}', who is not an approver "
            "in the organisation's policy."
        )
    if power not in approver.may:
        raise AccessRefused(
            f"The {what} is signed by {approver.name}, who may not approve "
            f"{power.value.replace('_', ' ')}."
        )
    return approver.key


def check_approval(
    raw: bytes,
    rules: AccessRules,
    *,
    reviewer: str,
    package_id: str,
    purpose: Purpose,
    now: datetime,
) -> str:
    """The approval's id when it allows `reviewer` to open `package_id` for `purpose` now."""
    try:
        document = signed.parse(raw, "approval")
        signed.verify(
            document, signer_key(rules, document, Power.PERFORMANCE, "approval"), "approval"
        )
    except signed.SignedDocumentError as error:
        raise AccessRefused(error.message) from error
    body = document["body"]
    if body.get("kind") != "approval":
        raise AccessRefused("The file is signed, but it is not an approval.")
    if body.get("reviewer") != reviewer:
        raise AccessRefused(
            f"The approval is for {body.get('reviewer')}, not for you ({reviewer})."
        )
    if body.get("purpose") != purpose.value:
        raise AccessRefused(
            f"The approval is for {str(body.get('purpose')).replace('_', ' ')}, "
            f"not for {purpose.label}."
        )
    if package_id not in body.get("calls", []):
        raise AccessRefused(f"The approval does not name the call {package_id}.")
    try:
        issued = datetime.fromisoformat(str(body.get("issued_at")))
        expires = datetime.fromisoformat(str(body.get("expires_at")))
    except ValueError as error:
        raise AccessRefused("The approval has no readable issue date or expiry.") from error
    if now < issued:
        raise AccessRefused(f"The approval is valid only from {issued:%d %b %Y, %H:%M} (UTC).")
    if now >= expires:
        raise AccessRefused(
            f"The approval expired on {expires:%d %b %Y, %H:%M} (UTC).",
            "Ask the approver for a new one.",
        )
    return str(body.get("id"))
