"""`CallService`: runs one call at a time, keeps its evidence and its audit trail.

Every transition of the `CallSession` is written to the store together with its
audit entry in one transaction, so there is never evidence without audit or the
reverse. A write the store refuses (a full disk) is kept in order in `UnsavedWrites`
and saved once there is room; the call itself goes on, truthfully shown.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from companion.app.calls.records import record_transition
from companion.app.calls.unsaved import UnsavedWrites
from companion.app.messages import MessageChannel
from companion.core.calls.limits import disk_shortfall, judge
from companion.core.calls.recorder import (
    NullRecorder,
    Recorder,
    RecorderStatus,
    RecorderUnavailable,
)
from companion.core.calls.session import (
    CallDetails,
    CallSession,
    CallState,
    InvalidTransition,
    ScriptRead,
    Transition,
)
from companion.core.policy.active import ActivePolicy
from companion.core.policy.model import ConsentRule, WithdrawalAction
from companion.core.policy.rules import RecordingDecision, decide
from companion.edges.store import audit
from companion.edges.store.database import StoreError
from companion.edges.store.models import CallRecord, MomentRecord
from companion.edges.store.recordings import RecordingLog
from companion.edges.sync.package import package_id_for
from companion.edges.sync.sealed_cache import SealedCache

PREVIEW_FRESH_SECONDS = 10.0


@dataclass(frozen=True)
class CallRequest:
    account: str
    call_type: str
    region: str
    language: str | None = None


StateListener = Callable[[CallSession | None], None]


class CallService:
    def __init__(
        self,
        store: sessionmaker[Session],
        policy: Callable[[], ActivePolicy],
        messages: MessageChannel,
        rep: str,
        recorder: Recorder | None = None,  # None: NullRecorder, notes only
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        free_space: Callable[[], int] | None = None,  # bytes free for recordings
        sealed: SealedCache | None = None,  # the sync's ciphertext, forgotten with the audio
    ) -> None:
        self._store = store
        self._sealed = sealed
        self._free_space = free_space
        self._policy = policy
        self._messages = messages
        self._rep = rep
        self._recorder: Recorder = recorder or NullRecorder()
        self._clock = clock
        self._listeners: list[StateListener] = []
        self.current: CallSession | None = None
        self._policy_at_start: ActivePolicy | None = None
        self.recordings = RecordingLog(store)
        self.unsaved = UnsavedWrites(messages)
        self._checked: tuple[float, str | None] | None = None  # (when, problem) for preview
        self._warned: set[str] = set()
        # (call id, seconds in its finished segments) for tick(): they change only when
        # capture starts or stops or audio is discarded, so no query four times a second.
        self._earlier: tuple[str, float] | None = None

    # -- observers ---------------------------------------------------------------------
    def subscribe(self, listener: StateListener) -> None:
        self._listeners.append(listener)

    def _notify(self) -> None:
        for listener in list(self._listeners):
            listener(self.current)

    @property
    def policy_in_use(self) -> ActivePolicy | None:
        """The policy the current call started under (a refresh applies to the next call)."""
        return self._policy_at_start

    # -- lifecycle ---------------------------------------------------------------------
    def start_call(self, request: CallRequest) -> CallSession:
        if self.current is not None and self.current.state is not CallState.ENDED:
            raise InvalidTransition("end the current call before starting another")
        active = self._policy()
        self._policy_at_start = active
        version = active.policy.version if active.policy else "none"
        details = CallDetails(
            str(uuid.uuid4()),
            request.account,
            request.call_type,
            request.region,
            self._rep,
            version,
        )
        session = CallSession(details, clock=self._clock)
        record = CallRecord(
            id=details.call_id,
            account=details.account,
            call_type=details.call_type,
            region=details.region,
            rep=self._rep,
            policy_version=version,
            state=session.state.value,
            outcome="pending",
            outcome_reason="",
            started_at=self._clock(),
        )
        self.unsaved.save("the call", lambda: self._insert(record))
        self.current = session
        self._apply(lambda: session.begin(self._preflight(self._decision(active, request), active)))
        if session.state is CallState.BLOCKED:
            self._messages.warning("This call will not be recorded", session.transitions[-1].reason)
        return session

    def _insert(self, record: object) -> None:
        with self._store.begin() as db:
            db.add(record)

    def preview(self, request: CallRequest) -> RecordingDecision:
        """What starting this call would decide (policy, then the checks), starting nothing.

        The window asks again as the rep edits the details; the computer's own check
        (devices, keyring: a sound-server rescan) is made once per PREVIEW_FRESH_SECONDS,
        not on every keystroke.
        """
        active = self._policy()
        now = time.monotonic()
        if self._checked is None or now - self._checked[0] > PREVIEW_FRESH_SECONDS:
            self._checked = (now, self._cannot_record(active))
        return _unless(self._decision(active, request), self._checked[1])

    def _preflight(self, decision: RecordingDecision, active: ActivePolicy) -> RecordingDecision:
        """Before the customer is asked: can recording work here at all?

        Disk space for the whole call, then the recorder's own check (devices, the
        keyring, the encoder), which also gets capture ready for the consent click.
        """
        if not decision.allowed:
            return decision
        return _unless(decision, self._cannot_record(active))

    def _cannot_record(self, active: ActivePolicy | None) -> str | None:
        policy = active.policy if active else None
        if self._free_space is not None and policy is not None:
            shortfall = disk_shortfall(self._free_space(), policy.recording)
            if shortfall is not None:
                return shortfall
        return self._recorder.prepare()

    def ask_again(self) -> bool:
        """After a block this computer caused (keyring, device, disk): check again, and
        if recording can work now, the consent script may be read. False: still blocked."""
        session = self._require_call()
        if session.state is not CallState.BLOCKED:
            return session.state in (CallState.ASKING, CallState.AWAITING_RECONSENT)
        problem = self._cannot_record(self._policy_at_start)
        if problem is not None:
            self._messages.warning("Still cannot record", problem)
            return False
        self._apply(session.ask_again)
        return True

    def _decision(self, active: ActivePolicy, request: CallRequest) -> RecordingDecision:
        if active.policy is None:
            first = active.error.problems[0] if active.error and active.error.problems else None
            detail = f" ({first.field}: {first.message})" if first else ""
            reason = f"The recording policy could not be used{detail}. Notes only."
            return RecordingDecision(False, reason, request.region, ConsentRule.NEVER)
        return decide(active.policy, request.call_type, request.region)

    def consent_script(self, language: str | None = None) -> tuple[str, str, str]:
        """(script text, language, script version) as the rep must read it."""
        active = self._policy_at_start
        if active is None or active.policy is None:
            raise InvalidTransition("there is no usable policy for this call")
        joined = self.current is not None and self.current.state is CallState.AWAITING_RECONSENT
        policy = active.policy
        text, lang = policy.rejoin_script(language) if joined else policy.consent_script(language)
        return text, lang, policy.consent.script_version

    def decline_script(self, language: str | None = None) -> str:
        active = self._policy_at_start
        assert active is not None and active.policy is not None
        return active.policy.decline_script(language)

    def _script_read(self, text: str) -> ScriptRead:
        active = self._policy_at_start
        keep = bool(active and active.policy and active.policy.consent.include_script_text)
        return ScriptRead(text, keep)

    def mark_consent(self, language: str | None = None) -> None:
        session = self._require_call()
        text, lang, version = self.consent_script(language)
        read = self._script_read(text)
        self._apply(lambda: session.give_consent(version, lang, read))
        self._start_capture(session)

    def mark_decline(self, language: str | None = None) -> None:
        session = self._require_call()
        text, lang, version = self.consent_script(language)
        read = self._script_read(text)
        self._apply(lambda: session.decline(version, lang, read))
        self._stop_capture()
        self._messages.info("Customer declined", "Continuing without recording. Notes work.")

    def mark_unclear(self, language: str | None = None) -> None:
        """Not a yes: logged as its own consent event; recording never starts from it."""
        session = self._require_call()
        _, lang, version = self.consent_script(language)
        self._apply(lambda: session.unclear(version, lang))

    def go_on_without_consent(self) -> None:
        """After an unclear answer: the call goes on with notes only."""
        session = self._require_call()
        self._apply(session.no_clear_answer)
        self._stop_capture()
        self._messages.info("No clear answer", "Continuing without recording. Notes work.")

    def pause(self) -> None:
        session = self._require_call()
        self._apply(session.pause)
        self._stop_capture()

    def resume(self) -> None:
        session = self._require_call()
        self._apply(session.resume)
        self._start_capture(session)

    def participant_joined(self, who: str = "") -> None:
        session = self._require_call()
        self._apply(lambda: session.participant_joined(who))
        self._stop_capture()
        self._recorder.prepare()
        self._messages.warning("Recording paused", "A participant joined: ask for consent again.")

    def withdraw_consent(self) -> None:
        session = self._require_call()
        self._apply(session.withdraw)
        self._stop_capture()
        policy = self._policy_at_start.policy if self._policy_at_start else None
        action = policy.recording.on_withdrawal if policy else WithdrawalAction.DISCARD
        if action is WithdrawalAction.DISCARD:
            call_id, at = session.details.call_id, self._clock()
            deleted: list[int] = []
            self.unsaved.save(
                "the deletion of the withdrawn audio",
                lambda: deleted.append(
                    self.recordings.discard(call_id, self._rep, "customer withdrew consent", at)
                ),
            )
            if self._sealed is not None:  # hashes of the plaintext must not outlive the audio
                self._sealed.forget(package_id_for(call_id))
            self._earlier = None
            files = f"{deleted[0]} file(s)" if deleted else "its files"
            text = f"Recording stopped and its audio deleted ({files}), as the policy says."
        else:
            text = "Recording stopped; audio captured before the withdrawal is kept (policy)."
        self._messages.info("Consent withdrawn", text + " Notes go on.")

    def end_call(self) -> None:
        session = self._require_call()
        self._stop_capture()
        self._apply(session.end)
        self._notify()

    # -- moments -----------------------------------------------------------------------
    def mark_moment(self, tag: str | None = None, note: str = "") -> MomentRecord:
        session = self._require_call()
        now = self._clock()
        started = session.started_at or now
        policy = self._policy_at_start.policy if self._policy_at_start else None
        known = policy.tags.get(tag) if policy and tag else None
        # Label and colour as they were when marked: a later policy may drop the tag.
        label, color = (known.label, known.color) if known else (tag, None)
        moment = MomentRecord(
            call_id=session.details.call_id,
            offset_ms=max(0, int((now - started).total_seconds() * 1000)),
            tag=tag,
            tag_label=label,
            tag_color=color,
            note=note,
            had_audio=session.state is CallState.RECORDING,
            created_at=now,
        )
        self.unsaved.save("a moment", lambda: self._insert(moment))
        return moment

    # -- internals ---------------------------------------------------------------------
    def _require_call(self) -> CallSession:
        if self.current is None:
            raise InvalidTransition("there is no call in progress")
        return self.current

    def _start_capture(self, session: CallSession) -> None:
        grant = session.capture_grant()
        if grant is None:
            return
        try:
            path = self._recorder.open_capture(grant)
        except RecorderUnavailable as error:
            reason = str(error)
            self._apply(lambda: session.stop(f"not recording: {reason}"))
            self._messages.warning("Not recording", reason)
            return
        now = self._clock()
        offset = int((now - (session.started_at or now)).total_seconds() * 1000)
        call_id = session.details.call_id
        self.unsaved.save(
            "a recording segment", lambda: self.recordings.opened(call_id, path, offset, now)
        )
        self._earlier = None
        self._apply(session.recording_started)

    def _stop_capture(self) -> None:
        summary = self._recorder.stop()
        if summary is not None:
            self.unsaved.save("the end of a segment", lambda: self.recordings.closed(summary))
            self._earlier = None

    # -- health and limits, polled by the GUI's timer ---------------------------------
    def recorder_status(self) -> RecorderStatus:
        return self._recorder.status()

    def tick(self) -> RecorderStatus:
        """Apply the policy's limits and report trouble; returns the status it judged."""
        status = self.recorder_status()
        self.unsaved.retry()
        session, active = self.current, self._policy_at_start
        if session is None or active is None or active.policy is None:
            return status
        free = self._free_space() if self._free_space and status.recording else None
        verdict = judge(status, active.policy.recording, self._earlier_seconds(session), free)
        if verdict.stop_reason and session.state is CallState.RECORDING:
            reason = verdict.stop_reason
            self._stop_capture()
            self._apply(lambda: session.stop(reason))
            self._messages.warning("Recording stopped", reason[0].upper() + reason[1:] + ".")
        for warning in verdict.warnings:
            if warning not in self._warned:
                self._warned.add(warning)
                self._messages.warning("Check your audio", warning)
        return status

    def _earlier_seconds(self, session: CallSession) -> float:
        call_id = session.details.call_id
        if self._earlier is None or self._earlier[0] != call_id:
            try:
                self._earlier = (call_id, self.recordings.recorded_seconds(call_id))
            except StoreError:  # unreadable right now: judge this tick on what is live
                return 0.0
        return self._earlier[1]

    def _apply(self, step: Callable[[], Transition]) -> Transition:
        session = self._require_call()
        transition = step()
        self.unsaved.save(
            f"call event {transition.event}", lambda: self._persist(session, transition)
        )
        self._notify()
        return transition

    def _persist(self, session: CallSession, transition: Transition) -> None:
        with self._store.begin() as db:
            record_transition(db, session.details, transition)

    def close_abandoned_calls(self) -> int:
        """Calls left open by a crash or a kill are ended, with an audit entry saying so."""
        with self._store.begin() as db:
            open_calls = db.scalars(select(CallRecord).where(CallRecord.state != "ended")).all()
            for record in open_calls:
                now = self._clock()
                audit.append(
                    db,
                    "call.end",
                    self._rep,
                    {
                        "event": "end",
                        "from": record.state,
                        "to": "ended",
                        "reason": "the app was closed during the call",
                    },
                    call_id=record.id,
                    at=now,
                )
                record.state, record.ended_at = "ended", now
            return len(open_calls)


def _unless(decision: RecordingDecision, problem: str | None) -> RecordingDecision:
    """`decision`, or not recorded (retryable) when this computer cannot record."""
    if not decision.allowed or problem is None:
        return decision
    reason = f"Recording cannot work on this computer right now: {problem}"
    return RecordingDecision(
        False, reason, decision.jurisdiction, decision.consent_rule, retryable=True
    )
