"""Property tests for `CallSession`: the capture grant exists only under live consent.

Random event sequences are applied to a real `CallSession`. After every step the
session is checked against an independent model: the expected state comes from a
transition table written here, and whether each grant is live comes from the history
of successful events alone, never from the session's own fields.

The grant rule, as the code implements it (and as these tests pin down):

    A grant minted by the consent transition at history position i is active iff
      * no later consent has happened (it is the latest consent), and
      * after i there is no participant_joined, withdraw, stop, end or decline, and
      * after i, the last of the pause/resume events (if any) is a resume.

    So pause closes the grant and resume re-opens the *same* grant (same consent);
    participant_joined closes it for good: only a fresh consent (a new grant) reopens
    capture, and the old grant stays dead even then.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import event as label
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from companion.core.calls.grant import CaptureGrant, GrantError
from companion.core.calls.session import CallDetails, CallSession, CallState, InvalidTransition
from companion.core.policy.parse import parse_policy
from companion.core.policy.rules import decide
from companion.edges.policy.files import default_policy_path

S = CallState
POLICY = parse_policy(default_policy_path().read_bytes(), "default")
ALLOWED = decide(POLICY, "discovery", "US-CA")
BLOCKED = decide(POLICY, "legal", "US-CA")
assert ALLOWED.allowed and not BLOCKED.allowed

CALL_ID = "call-0001"
SCRIPT_VERSION = POLICY.consent.script_version

# -- the independent model -------------------------------------------------------------

HOLDING = {S.CONSENTED, S.RECORDING, S.PAUSED, S.AWAITING_RECONSENT}

# event -> {from state: to state}; anything not listed must raise InvalidTransition.
TABLE: dict[str, dict[CallState, CallState]] = {
    "begin_allowed": {S.PREPARING: S.ASKING},
    "begin_blocked": {S.PREPARING: S.BLOCKED},
    "give_consent": {S.ASKING: S.CONSENTED, S.AWAITING_RECONSENT: S.CONSENTED},
    "decline": {S.ASKING: S.DECLINED, S.AWAITING_RECONSENT: S.STOPPED},
    # An unclear answer is no answer: the call stays asking, and no grant is minted.
    "unclear": {S.ASKING: S.ASKING, S.AWAITING_RECONSENT: S.AWAITING_RECONSENT},
    "no_clear_answer": {S.ASKING: S.DECLINED, S.AWAITING_RECONSENT: S.STOPPED},
    "recording_started": {S.CONSENTED: S.RECORDING},
    "pause": {S.CONSENTED: S.PAUSED, S.RECORDING: S.PAUSED},
    "resume": {S.PAUSED: S.CONSENTED},
    "participant_joined": {s: S.AWAITING_RECONSENT for s in (S.CONSENTED, S.RECORDING, S.PAUSED)},
    "withdraw": dict.fromkeys(HOLDING, S.STOPPED),
    "stop": dict.fromkeys(HOLDING, S.STOPPED),
    "end": {s: S.ENDED for s in CallState if s is not S.ENDED},
}
EVENTS = list(TABLE)

# The audit name each event is recorded under.
AUDIT_NAME = {
    "begin_allowed": "ask_consent",
    "begin_blocked": "block",
    "give_consent": "consent",
    "decline": "decline",
    "unclear": "unclear",
    "no_clear_answer": "no_clear_answer",
    "recording_started": "recording_started",
    "pause": "pause",
    "resume": "resume",
    "participant_joined": "participant_joined",
    "withdraw": "withdraw",
    "stop": "stop",
    "end": "end",
}

CLOSES_FOR_GOOD = {
    "participant_joined",
    "withdraw",
    "stop",
    "end",
    "decline",
    "no_clear_answer",
}


def tick_clock():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    counter = itertools.count()
    return lambda: start + timedelta(seconds=next(counter))


def new_session() -> CallSession:
    details = CallDetails(CALL_ID, "ACME", "discovery", "US-CA", "rep@example.com", "2026.11.1")
    return CallSession(details, clock=tick_clock())


def fire(session: CallSession, event: str):
    if event == "begin_allowed":
        return session.begin(ALLOWED)
    if event == "begin_blocked":
        return session.begin(BLOCKED)
    if event == "give_consent":
        return session.give_consent(SCRIPT_VERSION, "en")
    if event == "decline":
        return session.decline(SCRIPT_VERSION, "de")
    if event == "unclear":
        return session.unclear(SCRIPT_VERSION, "en")
    if event == "participant_joined":
        return session.participant_joined("a colleague")
    if event == "stop":
        return session.stop("max duration reached")
    return getattr(session, event)()


def grant_live_by_history(history: list[str], minted_at: int) -> bool:
    """Is the grant minted by history[minted_at] live, judging by the history alone?"""
    assert history[minted_at] == "give_consent"
    later = history[minted_at + 1 :]
    if "give_consent" in later:
        return False
    if CLOSES_FOR_GOOD.intersection(later):
        return False
    pauses = [e for e in later if e in ("pause", "resume")]
    return not pauses or pauses[-1] == "resume"


class Checker:
    """Applies events to a session and checks every invariant after each step."""

    def __init__(self) -> None:
        self.session = new_session()
        self.state = S.PREPARING  # the model's state, from TABLE only
        self.history: list[str] = []  # successful events, in order
        self.minted: list[tuple[int, CaptureGrant]] = []  # (history index, grant)

    def apply(self, event: str) -> None:
        session = self.session
        before_state = session.state
        before_transitions = list(session.transitions)
        before_grant = session.capture_grant()
        before_decision = session.decision
        expected = TABLE[event].get(self.state)

        if expected is None:
            with pytest.raises(InvalidTransition):
                fire(session, event)
            # Nothing changed.
            assert session.state is before_state
            assert session.transitions == before_transitions
            assert all(a is b for a, b in zip(session.transitions, before_transitions, strict=True))
            assert session.capture_grant() is before_grant
            assert session.decision is before_decision
        else:
            transition = fire(session, event)
            assert transition is session.transitions[-1]
            assert transition.event == AUDIT_NAME[event]
            assert transition.from_state is self.state
            assert transition.to_state is expected
            assert session.state is expected
            self.state = expected
            self.history.append(event)
            if event == "give_consent":
                self._check_new_grant(transition)
            if event in ("give_consent", "decline", "unclear"):
                assert transition.evidence is not None
                assert transition.evidence.jurisdiction == "US-CA"
                assert transition.evidence.script_version == SCRIPT_VERSION
            else:
                assert transition.evidence is None
        self.check()

    def _check_new_grant(self, transition) -> None:
        grant = self.session.capture_grant()
        assert grant is not None, "the consent transition must mint a grant"
        assert grant.call_id == CALL_ID
        assert grant.consent_seq == transition.seq
        assert all(grant is not old for _, old in self.minted), "a fresh grant per consent"
        self.minted.append((len(self.history) - 1, grant))

    def check(self) -> None:
        session = self.session
        history = self.history

        # (a) each grant is live exactly when the history says so.
        live = []
        for minted_at, grant in self.minted:
            expected_live = grant_live_by_history(history, minted_at)
            assert grant.active is expected_live, (history, minted_at)
            if expected_live:
                grant.require_active()
                live.append(grant)
            else:
                with pytest.raises(GrantError):
                    grant.require_active()
        assert len(live) <= 1
        # a grant exists only if a consent transition for this call happened
        assert len(self.minted) == history.count("give_consent")
        assert len(self.minted) == sum(t.event == "consent" for t in session.transitions)

        # (b) capture_grant() is None except in consented/recording, where it is the live one.
        current = session.capture_grant()
        if self.state in (S.CONSENTED, S.RECORDING):
            assert current is not None
            assert live == [current]
        else:
            assert current is None
            assert live == []

        # (c) never a grant after end or withdrawal (or a blocked start, or a decline).
        if {"end", "withdraw", "begin_blocked", "decline"} & set(history):
            assert current is None
            assert not any(g.active for _, g in self.minted)
        if "begin_blocked" in history:
            assert self.minted == []

        # (e) transitions are numbered 1..n and chained.
        transitions = session.transitions
        assert [t.seq for t in transitions] == list(range(1, len(history) + 1))
        assert [t.event for t in transitions] == [AUDIT_NAME[e] for e in history]
        previous = S.PREPARING
        for t in transitions:
            assert t.from_state is previous
            previous = t.to_state
        assert previous is session.state is self.state
        assert all(a.at < b.at for a, b in itertools.pairwise(transitions))


# -- the main property -----------------------------------------------------------------

FINISHING = {"begin_blocked", "decline", "withdraw", "stop", "end"}


@st.composite
def event_sequences(draw, max_size: int = 50) -> list[str]:
    """Random event sequences, biased toward the long lives of a call.

    Uniformly random events mostly end the call within a few steps, so deep paths
    (pause/resume, participant joined then re-consent) would be rare. Here each step is,
    with 1 in 10 odds, any event at all (usually an invalid one, to test that refused
    events change nothing); else an event the model says is valid, preferring ones that
    keep the call going. After the call ends, a couple more (invalid) events at most.
    The session is never consulted. One draw per step keeps generation cheap.
    """
    state = S.PREPARING
    events: list[str] = []
    after_end = 0
    for _ in range(draw(st.integers(0, max_size))):
        valid = [e for e in EVENTS if state in TABLE[e]]
        continuing = [e for e in valid if e not in FINISHING]
        choice = draw(st.integers(0, 10 * 2 * 3 * 4 * 5 * 7 * 11 - 1))
        kind, index = choice % 10, choice // 10
        if kind == 0 or not valid:
            pool = EVENTS
        elif kind <= 2 or not continuing:
            pool = valid
        else:
            pool = continuing
        name = pool[index % len(pool)]
        state = TABLE[name].get(state, state)
        events.append(name)
        if state is S.ENDED:
            after_end += 1
            if after_end > 3:
                break
    return events


@settings(max_examples=10_000, deadline=None)
@given(event_sequences())
@example(["begin_allowed", "give_consent", "recording_started", "pause", "resume"])
@example(
    ["begin_allowed", "give_consent", "recording_started", "participant_joined", "give_consent"]
)
@example(["begin_allowed", "give_consent", "participant_joined", "decline", "give_consent"])
@example(["begin_blocked", "give_consent", "recording_started", "end"])
@example(["begin_allowed", "give_consent", "withdraw", "give_consent", "end", "end"])
def test_grant_exists_only_under_live_consent(events):
    checker = Checker()
    checker.check()
    for name in events:
        checker.apply(name)
    record_coverage(checker.history)


def record_coverage(history: list[str]) -> None:
    """Labels for `--hypothesis-show-statistics`: how often the deep paths were reached."""
    text = " ".join(history)
    label(f"last successful event: {history[-1] if history else 'none'}")
    if history[:1] == ["begin_blocked"]:
        label("began blocked")
    if "give_consent pause resume" in text or "recording_started pause resume" in text:
        label("a resume re-opened a grant")
    if "participant_joined" in text and text.count("give_consent") >= 2:
        label("re-consent after a participant joined")
    if "recording_started" in text and ("withdraw" in text or "end" in text):
        label("recording, then withdrawn or ended")


# -- stateful variant ------------------------------------------------------------------


class SessionMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.checker = Checker()

    @rule(event=st.sampled_from(EVENTS))
    def step(self, event):
        self.checker.apply(event)

    @rule()
    def consent_cycle(self):
        # Drive toward the interesting states more often than uniform choice would.
        for event in ("begin_allowed", "give_consent", "recording_started"):
            self.checker.apply(event)

    @invariant()
    def invariants_hold(self):
        self.checker.check()


SessionMachine.TestCase.settings = settings(max_examples=300, stateful_step_count=40, deadline=None)
test_session_state_machine = SessionMachine.TestCase


# -- explicit scenarios (readable statements of the rule) ------------------------------


def run(*events: str) -> Checker:
    checker = Checker()
    for event in events:
        checker.apply(event)
    return checker


def test_resume_reopens_the_same_grant():
    checker = run("begin_allowed", "give_consent", "recording_started")
    grant = checker.session.capture_grant()
    assert grant is not None and grant.active
    checker.apply("pause")
    assert not grant.active
    assert checker.session.capture_grant() is None
    checker.apply("resume")
    assert grant.active
    assert checker.session.capture_grant() is grant
    assert checker.session.state is S.CONSENTED


def test_participant_joined_needs_a_fresh_consent_and_the_old_grant_stays_dead():
    checker = run("begin_allowed", "give_consent", "recording_started")
    first = checker.session.capture_grant()
    assert first is not None
    checker.apply("participant_joined")
    assert not first.active
    assert checker.session.capture_grant() is None
    checker.apply("give_consent")
    second = checker.session.capture_grant()
    assert second is not None and second is not first
    assert second.active and not first.active
    assert second.consent_seq > first.consent_seq


def test_no_grant_before_consent():
    checker = run("begin_allowed")
    assert checker.session.state is S.ASKING
    assert checker.session.capture_grant() is None
    with pytest.raises(InvalidTransition):
        checker.session.recording_started()


def test_no_grant_after_withdrawal_or_end():
    for closing in ("withdraw", "end"):
        checker = run("begin_allowed", "give_consent", "recording_started")
        grant = checker.session.capture_grant()
        assert grant is not None
        checker.apply(closing)
        assert not grant.active
        assert checker.session.capture_grant() is None
        with pytest.raises(GrantError):
            grant.require_active()


@pytest.mark.parametrize("token", [object(), None, "mint", 0])
def test_a_grant_cannot_be_constructed_outside_the_session(token):
    with pytest.raises(GrantError):
        CaptureGrant(token, CALL_ID, 1, lambda: True)


def test_grant_error_is_a_permission_error():
    assert issubclass(GrantError, PermissionError)
