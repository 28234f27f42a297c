"""`CallSession`: the call lifecycle as a state machine, Qt-free and I/O-free.

    preparing -> blocked (policy says never record, or this
                          computer cannot record right now)    -> notes only
                 blocked (cannot right now) -> asking, once fixed
              -> asking -> declined                            -> notes only
                        -> unclear (stays asking: ask again) -> no clear answer -> notes only
                        -> consented -> recording <-> paused
                           recording -> participant joined (paused until re-consent)
                           recording -> withdrawn / limit      -> stopped (notes only)
    any -> ended

Each transition is kept as a `Transition` for the audit trail. The capture grant
is minted only by `give_consent`, and is live only while the state is consented
or recording under the latest consent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from companion.core.calls.grant import CaptureGrant, _mint
from companion.core.errors import UserFacingError
from companion.core.policy.rules import RecordingDecision


class CallState(StrEnum):
    PREPARING = "preparing"
    BLOCKED = "blocked"
    ASKING = "asking"
    DECLINED = "declined"
    CONSENTED = "consented"
    RECORDING = "recording"
    PAUSED = "paused"
    AWAITING_RECONSENT = "awaiting_reconsent"
    STOPPED = "stopped"
    ENDED = "ended"


NOTES_ONLY = frozenset({CallState.BLOCKED, CallState.DECLINED, CallState.STOPPED})
CAPTURE_STATES = frozenset({CallState.CONSENTED, CallState.RECORDING})
CONSENT_HELD = frozenset(
    {CallState.CONSENTED, CallState.RECORDING, CallState.PAUSED, CallState.AWAITING_RECONSENT}
)


class InvalidTransition(UserFacingError):
    """The event makes no sense in the current state; nothing changed."""


@dataclass(frozen=True)
class CallDetails:
    call_id: str
    account: str
    call_type: str
    region: str
    rep: str
    policy_version: str


@dataclass(frozen=True)
class ScriptRead:
    """The consent script exactly as the rep was shown it, and whether to keep the text."""

    text: str
    keep_text: bool = False


@dataclass(frozen=True)
class ConsentEvidence:
    script_version: str
    language: str
    jurisdiction: str
    script_sha256: str = ""  # of the exact text read, UTF-8
    script_text: str | None = None  # kept only where the policy asks for it


@dataclass(frozen=True)
class Transition:
    seq: int
    at: datetime
    event: str
    from_state: CallState
    to_state: CallState
    reason: str = ""
    evidence: ConsentEvidence | None = None


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class CallSession:
    details: CallDetails
    clock: Callable[[], datetime] = _utc_now
    state: CallState = CallState.PREPARING
    transitions: list[Transition] = field(default_factory=list)
    decision: RecordingDecision | None = None
    _consent_seq: int | None = None
    _grant: CaptureGrant | None = None

    # -- queries -----------------------------------------------------------------------
    @property
    def notes_only(self) -> bool:
        return self.state in NOTES_ONLY

    @property
    def started_at(self) -> datetime | None:
        return self.transitions[0].at if self.transitions else None

    def capture_grant(self) -> CaptureGrant | None:
        """The live grant, or None: the recorder's only way to open a stream."""
        grant = self._grant
        return grant if grant is not None and grant.active else None

    def _grant_is_live(self, consent_seq: int) -> bool:
        return self.state in CAPTURE_STATES and self._consent_seq == consent_seq

    def _evidence(
        self, script_version: str, language: str, script: ScriptRead | None
    ) -> ConsentEvidence:
        jurisdiction = self.decision.jurisdiction if self.decision else "unknown"
        if script is None:
            return ConsentEvidence(script_version, language, jurisdiction)
        digest = hashlib.sha256(script.text.encode("utf-8")).hexdigest()
        kept = script.text if script.keep_text else None
        return ConsentEvidence(script_version, language, jurisdiction, digest, kept)

    # -- events ------------------------------------------------------------------------
    def begin(self, decision: RecordingDecision) -> Transition:
        self._require({CallState.PREPARING}, "begin")
        self.decision = decision
        if decision.allowed:
            return self._move("ask_consent", CallState.ASKING, decision.reason)
        return self._move("block", CallState.BLOCKED, decision.reason)

    def ask_again(self) -> Transition:
        """What stopped recording on this computer is fixed: the script may be read now."""
        self._require({CallState.BLOCKED}, "ask_again")
        if self.decision is None or not self.decision.retryable:
            raise InvalidTransition("the policy never records this call")
        return self._move("ask_consent", CallState.ASKING, "recording can work now")

    def give_consent(
        self, script_version: str, language: str, script: ScriptRead | None = None
    ) -> Transition:
        self._require({CallState.ASKING, CallState.AWAITING_RECONSENT}, "give_consent")
        evidence = self._evidence(script_version, language, script)
        transition = self._move("consent", CallState.CONSENTED, "customer agreed", evidence)
        self._consent_seq = transition.seq
        self._grant = _mint(self.details.call_id, transition.seq, self._live_check(transition.seq))
        return transition

    def decline(
        self, script_version: str, language: str, script: ScriptRead | None = None
    ) -> Transition:
        self._require({CallState.ASKING, CallState.AWAITING_RECONSENT}, "decline")
        evidence = self._evidence(script_version, language, script)
        target = CallState.DECLINED if self.state is CallState.ASKING else CallState.STOPPED
        return self._move("decline", target, "customer declined", evidence)

    def unclear(self, script_version: str, language: str) -> Transition:
        """The customer's answer was not a clear yes or no: logged, nothing is recorded.

        The call stays where it was (asking), so the rep may ask again; no grant exists.
        """
        self._require({CallState.ASKING, CallState.AWAITING_RECONSENT}, "unclear")
        jurisdiction = self.decision.jurisdiction if self.decision else "unknown"
        evidence = ConsentEvidence(script_version, language, jurisdiction)
        reason = "answer unclear: not a yes, nothing recorded"
        return self._move("unclear", self.state, reason, evidence)

    def no_clear_answer(self) -> Transition:
        """After an unclear answer the rep goes on without recording."""
        self._require({CallState.ASKING, CallState.AWAITING_RECONSENT}, "no_clear_answer")
        target = CallState.DECLINED if self.state is CallState.ASKING else CallState.STOPPED
        return self._move("no_clear_answer", target, "answer unclear: going on without recording")

    def recording_started(self) -> Transition:
        self._require({CallState.CONSENTED}, "recording_started")
        return self._move("recording_started", CallState.RECORDING)

    def pause(self) -> Transition:
        self._require({CallState.CONSENTED, CallState.RECORDING}, "pause")
        return self._move("pause", CallState.PAUSED, "paused by the rep")

    def resume(self) -> Transition:
        self._require({CallState.PAUSED}, "resume")
        return self._move("resume", CallState.CONSENTED, "resumed by the rep")

    def participant_joined(self, who: str = "") -> Transition:
        self._require({CallState.CONSENTED, CallState.RECORDING, CallState.PAUSED}, "participant")
        reason = f"participant joined{': ' + who if who else ''}; paused until re-consent"
        return self._move("participant_joined", CallState.AWAITING_RECONSENT, reason)

    def withdraw(self) -> Transition:
        self._require(CONSENT_HELD, "withdraw")
        return self._move("withdraw", CallState.STOPPED, "customer withdrew consent")

    def stop(self, reason: str) -> Transition:
        """Recording stops for a reason other than the customer (limit, device, disk)."""
        self._require(CONSENT_HELD, "stop")
        return self._move("stop", CallState.STOPPED, reason)

    def end(self) -> Transition:
        if self.state is CallState.ENDED:
            raise InvalidTransition("the call has already ended")
        return self._move("end", CallState.ENDED, "call ended")

    # -- internals ---------------------------------------------------------------------
    def _live_check(self, consent_seq: int) -> Callable[[], bool]:
        return lambda: self._grant_is_live(consent_seq)

    def _require(self, allowed: frozenset[CallState] | set[CallState], event: str) -> None:
        if self.state not in allowed:
            raise InvalidTransition(
                f"'{event}' is not possible while the call is {self.state.value}"
            )

    def _move(
        self,
        event: str,
        target: CallState,
        reason: str = "",
        evidence: ConsentEvidence | None = None,
    ) -> Transition:
        transition = Transition(
            seq=len(self.transitions) + 1,
            at=self.clock(),
            event=event,
            from_state=self.state,
            to_state=target,
            reason=reason,
            evidence=evidence,
        )
        self.state = target
        self.transitions.append(transition)
        return transition
