"""Writing a call's evidence: each transition with its consent record and audit entry."""

from __future__ import annotations

from sqlalchemy.orm import Session

from companion.core.calls.session import CallDetails, CallState, Transition
from companion.edges.store import audit
from companion.edges.store.models import CallRecord, ConsentEventRecord

CONSENT_KINDS = {
    "consent": "granted",
    "decline": "declined",
    "withdraw": "withdrawn",
    "unclear": "unclear",  # not a yes: the program report counts it as an ambiguity flag
}
OUTCOMES = {
    CallState.BLOCKED: "blocked",
    CallState.DECLINED: "declined",
    CallState.CONSENTED: "consented",
    CallState.RECORDING: "recorded",
}


def record_transition(db: Session, details: CallDetails, transition: Transition) -> None:
    """The call row, its consent evidence and the audit entry, in the caller's transaction."""
    # By the transition's own state, not the session's: a write kept for later
    # (full disk) lands as it happened.
    state = transition.to_state
    record = db.get(CallRecord, details.call_id)
    assert record is not None
    record.state = state.value
    if transition.event == "withdraw":  # what the review and library must say
        record.outcome, record.outcome_reason = "withdrawn", transition.reason
    elif transition.event == "no_clear_answer" and record.outcome != "recorded":
        record.outcome, record.outcome_reason = "unclear", transition.reason
    elif state in OUTCOMES and record.outcome not in ("recorded", "withdrawn"):
        record.outcome = OUTCOMES[state]
        record.outcome_reason = transition.reason
    if state is CallState.ENDED:
        record.ended_at = transition.at
    evidence = transition.evidence
    if transition.event in CONSENT_KINDS:
        db.add(
            ConsentEventRecord(
                call_id=details.call_id,
                kind=CONSENT_KINDS[transition.event],
                policy_version=details.policy_version,
                script_version=evidence.script_version if evidence else "",
                language=evidence.language if evidence else "",
                jurisdiction=evidence.jurisdiction if evidence else details.region,
                rep=details.rep,
                at=transition.at,
                script_sha256=evidence.script_sha256 if evidence else "",
                script_text=evidence.script_text if evidence else None,
            )
        )
    payload = {
        "event": transition.event,
        "from": transition.from_state.value,
        "to": transition.to_state.value,
        "reason": transition.reason,
        "policy_version": details.policy_version,
        "call_type": details.call_type,
        "region": details.region,
    }
    if evidence:
        payload |= {
            "script_version": evidence.script_version,
            "script_sha256": evidence.script_sha256,
            "language": evidence.language,
            "jurisdiction": evidence.jurisdiction,
        }
    audit.append(
        db,
        f"call.{transition.event}",
        details.rep,
        payload,
        call_id=details.call_id,
        at=transition.at,
    )
