"""Access receipts: who opened what of a rep's call, for which purpose, signed and chained.

A receipt is a signed document (see `signed`) signed by the desk service (signer
`desk-service`, its key in the policy's `[access.service]`; older receipts were signed by
the reviewer), with this body:

    {"kind": "receipt", "rep": "alice", "seq": 3, "prev": "<hash of receipt 2, or 64 zeros>",
     "reviewer": "dana", "reviewer_name": "Dana Lee", "role": "manager_a",
     "role_kind": "manager", "purpose": "coaching", "reason": "objection handling",
     "approval": null, "action": "open" | "play" | "read" | "export",
     "call": "call-<id>", "parts": ["moments_notes"], "at": "2026-12-03T14:02:00+00:00"}

Numbers run 1, 2, 3... per rep, and each receipt carries the hash of the one before, so
the rep's companion notices an edited receipt (its signature or the next one's `prev`
fails), a removed one (a number is missing) and a removed newest one (a number it had
seen before is gone).

A receipt sealed before the rep published their own recipient cannot be read by the rep
yet: it is "waiting for your key" (the service seals a copy for the rep later), not a
sign of tampering.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from companion.core.access import signed
from companion.core.policy.access import AccessRules

GENESIS = "0" * 64
SERVICE_SIGNER = "desk-service"
WAITING_FOR_KEY = "waiting for your key"
ACTIONS = {
    "open": "Viewed",
    "play": "Played",
    "read": "Transcript read",
    "export": "Exported",
    "approval_requested": "Performance use requested",
    "approval_granted": "Performance use approved",
    "approval_refused": "Performance use refused",
}
# Why a receipt cannot be decrypted with the rep's key (the store edge says it so).
NOT_FOR_YOU = "it is not encrypted to you, or it was changed"


@dataclass(frozen=True)
class Receipt:
    seq: int
    hash: str
    call: str
    action: str
    reviewer: str
    reviewer_name: str
    role_kind: str
    purpose: str
    reason: str
    approval: str | None
    at: datetime

    def describe(self) -> str:
        """ "Viewed by Dana Lee (manager, coaching: 'objection handling') on 3 Dec, 14:02"."""
        purpose = self.purpose.replace("_", " ")
        approval = f", approval {self.approval}" if self.approval else ""
        return (
            f"{ACTIONS.get(self.action, self.action)} by {self.reviewer_name} "
            f"({self.role_kind}, {purpose}: '{self.reason}'{approval}) "
            f"on {self.at.day} {self.at:%b, %H:%M}"
        )


def receipt_body(
    *, rep: str, seq: int, prev: str, reviewer: str, rules: AccessRules, **what: Any
) -> dict[str, Any]:
    """The body of receipt `seq`; `what` holds purpose, reason, approval, action, call,
    parts and at (ISO text)."""
    entry = rules.reviewers[reviewer]
    return {
        "kind": "receipt",
        "rep": rep,
        "seq": seq,
        "prev": prev,
        "reviewer": reviewer,
        "reviewer_name": entry.name,
        "role": entry.role,
        "role_kind": rules.roles[entry.role].kind.value,
        **what,
    }


def service_receipt_body(
    *, rep: str, seq: int, prev: str, actor: str, actor_name: str, role: str, role_kind: str,
    **what: Any,
) -> dict[str, Any]:  # fmt: skip
    """The body of a receipt the desk service signs; `actor` is the reviewer or approver."""
    return {
        "kind": "receipt",
        "rep": rep,
        "seq": seq,
        "prev": prev,
        "reviewer": actor,
        "reviewer_name": actor_name,
        "role": role,
        "role_kind": role_kind,
        **what,
    }


@dataclass
class ChainReport:
    receipts: list[Receipt] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Receipts written before the rep's key reached the organisation: readable by the
    # organisation only. Not a warning: nothing is wrong, the rep just cannot read them.
    waiting: list[int] = field(default_factory=list)

    def waiting_words(self) -> str:
        return waiting_words(self.waiting)


def waiting_words(numbers: list[int]) -> str:
    """What the rep is told about receipts that wait for their key; "" when none do."""
    if not numbers:
        return ""
    which = f"Receipt {numbers[0]}" if len(numbers) == 1 else f"Receipts 1 to {numbers[-1]}"
    return (
        f"{which}: waiting for your key. Written before your key reached the organisation, "
        "so only the organisation can read them; receipts from now on are readable by you."
    )


def _receipt(document: dict[str, Any], digest: str) -> Receipt:
    body = document["body"]
    return Receipt(
        int(body["seq"]),
        digest,
        str(body["call"]),
        str(body["action"]),
        str(body["reviewer"]),
        str(body["reviewer_name"]),
        str(body["role_kind"]),
        str(body["purpose"]),
        str(body["reason"]),
        body.get("approval"),
        datetime.fromisoformat(str(body["at"])),
    )


def _problem(document: dict[str, Any], rules: AccessRules, rep: str, seq: int) -> str | None:
    body = document["body"]
    if document["signer"] == SERVICE_SIGNER:
        if rules.service is None:
            return "is signed by a desk service the policy does not name"
        try:
            signed.verify(document, rules.service.key, "receipt")
        except signed.SignedDocumentError:
            return "was changed after it was signed"
        if body.get("kind") != "receipt" or body.get("rep") != rep or body.get("seq") != seq:
            return "is not this rep's receipt of that number"
        return None
    reviewer = rules.reviewers.get(str(document["signer"]))
    if reviewer is None or body.get("reviewer") != document["signer"]:
        return f"is signed by '{document['signer']}', who is not a reviewer in the policy"
    try:
        signed.verify(document, reviewer.key, "receipt")
    except signed.SignedDocumentError:
        return "was changed after it was signed"
    if body.get("kind") != "receipt" or body.get("rep") != rep or body.get("seq") != seq:
        return "is not this rep's receipt of that number"
    return None


def verify_chain(
    found: dict[int, dict[str, Any] | str], rules: AccessRules, rep: str, seen: dict[int, str]
) -> ChainReport:
    """Check the receipts found in the store (number -> document, or why it is unreadable).

    `seen` holds the hash of every receipt the rep's companion verified before, so a
    receipt removed from the end of the chain is noticed too.
    """
    report = ChainReport()
    prev = GENESIS
    expected = 1
    # Only the numbers found or seen: a planted "00050000" is one gap, not 49,999 steps.
    for seq in sorted(n for n in {*found, *seen} if n >= 1):
        if seq > expected:  # numbers never found nor seen: one warning for the run
            report.warnings.append(_missing(expected, seq - 1))
            prev = ""
        expected = seq + 1
        item = found.get(seq)
        if item is None:
            report.warnings.append(_missing(seq, seq))
            prev = seen.get(seq, "")
            continue
        # Sealed to the organisation only (the service did not know the rep's key yet), or,
        # from before the service, unreadable at the chain's start: waiting, not tampering.
        if item == WAITING_FOR_KEY or (
            item == NOT_FOR_YOU and seq not in seen and report.waiting == list(range(1, seq))
        ):
            report.waiting.append(seq)
            prev = ""
            continue
        if isinstance(item, str):
            report.warnings.append(f"Receipt {seq} cannot be read: {item}.")
            prev = ""
            continue
        problem = _problem(item, rules, rep, seq)
        digest = signed.document_hash(item)
        if problem is None and prev and item["body"].get("prev") != prev:
            problem = "does not follow the receipt before it"
        if problem is None and seq in seen and seen[seq] != digest:
            problem = "differs from the copy seen before"
        if problem is not None:
            report.warnings.append(f"Receipt {seq} {problem}.")
        else:
            report.receipts.append(_receipt(item, digest))
        prev = digest
    return report


def _missing(first: int, last: int) -> str:
    if first == last:
        return f"Receipt {first} is missing from the organisation's store."
    return f"Receipts {first} to {last} are missing from the organisation's store."
