"""The call service against a real SQLite file: evidence and audit land together."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from companion.app.calls.service import CallRequest
from companion.app.messages import Level
from companion.core.calls.recorder import (
    IDLE_STATUS,
    NO_RECORDER,
    RecorderUnavailable,
    SegmentSummary,
)
from companion.core.calls.session import CallState, InvalidTransition
from companion.edges.paths import AppPaths
from companion.edges.store import audit
from companion.edges.store.models import CallRecord, ConsentEventRecord, MomentRecord


class SteppingClock:
    """A clock that moves forward one second per reading: deterministic offsets."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


class RecordingSpy:
    """A recorder that really checks the grant, as the real recorder must."""

    def __init__(self, folder=None, fail_with: str | None = None) -> None:
        self.folder = folder
        self.fail_with = fail_with
        self.grants: list = []
        self.stops = 0
        self.path = None

    def open_capture(self, grant):
        grant.require_active()
        if self.fail_with:
            raise RecorderUnavailable(self.fail_with)
        self.grants.append(grant)
        self.path = self.folder / f"segment-{len(self.grants)}.rca"
        self.path.write_bytes(b"sealed")
        return self.path

    def stop(self):
        self.stops += 1
        path, self.path = self.path, None
        return SegmentSummary(path, 48_000, 0, ("mic",)) if path else None

    def prepare(self):
        pass  # the real recorder looks up devices here; nothing to find in this double

    def status(self):
        return IDLE_STATUS


@pytest.fixture
def context(make_context, tmp_path):
    return make_context(paths=_paths(tmp_path), clock=SteppingClock())


def _paths(tmp_path) -> AppPaths:
    return AppPaths.from_environment({"COMPANION_HOME": str(tmp_path)})


def _kinds(ctx) -> list[str]:
    with ctx.store() as db:
        return [entry["kind"] for entry in audit.entries(db)]


def test_consent_without_a_recorder_logs_consent_then_stops_and_says_why(context):
    session = context.calls.start_call(CallRequest("Acme", "discovery", "DE", "de"))
    assert session.state is CallState.ASKING
    context.calls.mark_consent("de")
    assert session.state is CallState.STOPPED
    assert session.capture_grant() is None
    assert context.messages.history[-1].text == NO_RECORDER
    with context.store() as db:
        consent = db.scalars(select(ConsentEventRecord)).one()
        assert (consent.kind, consent.language, consent.jurisdiction) == ("granted", "de", "DE")
        assert consent.script_version == "3"
        assert consent.policy_version == "2026.11.1"
    assert _kinds(context) == ["call.ask_consent", "call.consent", "call.stop"]


def test_a_recorder_receives_a_live_grant_and_is_stopped_on_pause_and_end(make_context, tmp_path):
    spy = RecordingSpy(tmp_path)
    context = make_context(paths=_paths(tmp_path), recorder=spy, clock=SteppingClock())
    session = context.calls.start_call(CallRequest("Acme", "demo", "US-CA"))
    context.calls.mark_consent()
    assert session.state is CallState.RECORDING
    assert spy.grants and spy.grants[0].active
    context.calls.pause()
    assert not spy.grants[0].active and spy.stops == 1
    context.calls.resume()
    assert session.state is CallState.RECORDING and spy.grants[0].active
    context.calls.end_call()
    assert not spy.grants[0].active
    with context.store() as db:
        call = db.get(CallRecord, session.details.call_id)
        assert (call.state, call.outcome) == ("ended", "recorded")
        assert call.ended_at is not None
        assert audit.verify(db) == []


def test_a_failing_recorder_leaves_the_call_notes_only_with_its_reason(make_context, tmp_path):
    spy = RecordingSpy(tmp_path, fail_with="no microphone found")
    context = make_context(paths=_paths(tmp_path), recorder=spy, clock=SteppingClock())
    session = context.calls.start_call(CallRequest("Acme", "demo", "GB"))
    context.calls.mark_consent()
    assert session.state is CallState.STOPPED
    assert session.notes_only
    assert "no microphone found" in context.messages.history[-1].text
    context.calls.mark_moment(note="still works")


def test_decline_is_logged_and_the_call_goes_on_with_notes(context):
    session = context.calls.start_call(CallRequest("Globex", "renewal", "FR", "fr"))
    context.calls.mark_decline("fr")
    assert session.state is CallState.DECLINED
    assert context.calls.decline_script("fr").startswith("Aucun problème")
    moment = context.calls.mark_moment(tag="objection", note="price")
    assert moment.had_audio is False and moment.offset_ms > 0
    context.calls.end_call()
    with context.store() as db:
        call = db.get(CallRecord, session.details.call_id)
        assert (call.outcome, call.outcome_reason) == ("declined", "customer declined")
        assert db.scalars(select(ConsentEventRecord.kind)).all() == ["declined"]
        assert db.scalars(select(MomentRecord.note)).all() == ["price"]


def test_never_record_call_type_is_blocked_with_its_reason_and_no_consent_asked(context):
    session = context.calls.start_call(CallRequest("Initech", "legal", "US"))
    assert session.state is CallState.BLOCKED
    assert context.messages.history[-1].level is Level.WARNING
    assert "Legal discussions are never recorded." in context.messages.history[-1].text
    with pytest.raises(InvalidTransition):
        context.calls.mark_consent()
    with context.store() as db:
        payload = next(audit.entries(db))["payload"]
    assert payload["reason"] == "Legal discussions are never recorded."
    assert payload["policy_version"] == "2026.11.1"


def test_a_bad_policy_makes_every_call_notes_only(context):
    context.paths.policy_override.write_text("schema_version = [", encoding="utf-8")
    session = context.calls.start_call(CallRequest("Acme", "discovery", "DE"))
    assert session.state is CallState.BLOCKED
    assert "policy could not be used" in session.transitions[-1].reason
    with pytest.raises(InvalidTransition):
        context.calls.mark_consent()
    context.calls.mark_moment(note="notes always work")


def test_one_call_at_a_time(context):
    context.calls.start_call(CallRequest("Acme", "demo", "DE"))
    with pytest.raises(InvalidTransition):
        context.calls.start_call(CallRequest("Other", "demo", "DE"))


def test_participant_join_and_withdrawal_record_evidence(make_context, tmp_path):
    spy = RecordingSpy(tmp_path)
    context = make_context(paths=_paths(tmp_path), recorder=spy, clock=SteppingClock())
    session = context.calls.start_call(CallRequest("Acme", "demo", "DE"))
    context.calls.mark_consent()
    context.calls.participant_joined("CFO")
    assert session.state is CallState.AWAITING_RECONSENT and session.capture_grant() is None
    context.calls.mark_consent()
    assert session.state is CallState.RECORDING
    assert spy.grants[0].active is False and spy.grants[1].active is True
    second_segment = spy.path
    context.calls.withdraw_consent()
    assert session.state is CallState.STOPPED and not spy.grants[1].active
    # The default policy discards audio on withdrawal: files gone, deletion audited.
    assert not second_segment.exists()
    assert _kinds(context).count("recording.discarded") == 2
    with context.store() as db:
        kinds = db.scalars(select(ConsentEventRecord.kind)).all()
    assert kinds == ["granted", "granted", "withdrawn"]


def test_a_withdrawal_forgets_the_sealed_copies_of_the_call(make_context, tmp_path):
    """The sync's cache holds ciphertext named by hashes of the plaintext: it goes with the
    audio, or the discarded call's content stays guessable on disk (issue 26, item 10)."""
    from companion.edges.sync.package import package_id_for
    from companion.edges.sync.sealed_cache import SealedCache

    paths = _paths(tmp_path)
    context = make_context(paths=paths, recorder=RecordingSpy(tmp_path), clock=SteppingClock())
    session = context.calls.start_call(CallRequest("Acme", "demo", "DE"))
    context.calls.mark_consent()
    cache = SealedCache.in_data(paths.data_dir)
    package = package_id_for(session.details.call_id)
    cache.seal(package, "audio-0.rca", b"plain audio", ["age1org"], lambda data, _r: b"sealed")
    other = cache.seal("call-other", "audio-0.rca", b"other", ["age1org"], lambda d, _r: b"x")
    assert (cache.root / package).is_dir() and other == b"x"
    context.calls.withdraw_consent()
    assert not (cache.root / package).exists()
    assert (cache.root / "call-other").is_dir()  # another call's cache is not touched


def test_calls_left_open_by_a_crash_are_closed_and_audited(tmp_path, make_context):
    paths = _paths(tmp_path)
    first = make_context(paths=paths)
    first.calls.start_call(CallRequest("Acme", "demo", "DE"))
    second = make_context(paths=paths)
    assert second.calls.close_abandoned_calls() == 1
    with second.store() as db:
        assert db.scalars(select(CallRecord.state)).all() == ["ended"]
        assert audit.verify(db) == []
    assert _kinds(second)[-1] == "call.end"


@pytest.mark.usefixtures("secret_service")
def test_no_input_device_is_said_before_the_customer_is_asked(make_context):
    from companion.edges.audio.container.keys import AudioKeys
    from companion.edges.audio.recorder import AudioRecorder
    from companion.edges.audio.sources import SourcePlan
    from companion.edges.secrets import SecretStore

    paths = AppPaths.from_environment()
    nothing = "nothing: no microphone and no system-audio source found"
    keys = AudioKeys(SecretStore())
    recorder = AudioRecorder(
        paths.recordings_dir, keys.master_key, lambda: SourcePlan(None, None, nothing)
    )
    context = make_context(paths=paths, recorder=recorder)
    session = context.calls.start_call(CallRequest("Acme", "demo", "DE"))
    assert session.state is CallState.BLOCKED  # no consent script for a recording that cannot be
    assert session.decision.retryable
    assert nothing in session.transitions[-1].reason
    assert context.messages.history[-1].title == "This call will not be recorded"
    context.calls.mark_moment(note="notes work")
    assert context.calls.ask_again() is False  # still no device: said again, not asked
    context.calls.end_call()
    with context.store() as db:
        call = db.scalars(select(CallRecord)).one()
        assert call.outcome == "blocked" and nothing in call.outcome_reason
        assert db.scalars(select(ConsentEventRecord)).all() == []
        assert db.scalars(select(MomentRecord.note)).all() == ["notes work"]
        assert audit.verify(db) == []
