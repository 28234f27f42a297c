"""A disk that fills at the worst moments of a recorded call, on a real 32 MB tmpfs.

Real PulseAudio, a real keyring and the product's own recorder. After each fill the
state is truthful, the rep was told, nothing raised, the audit chain verifies, and the
notes marked while the disk was full are in the database once space returns.
"""

from __future__ import annotations

import time

import pyrage
import pytest
from call_helpers import CRM
from peers.sounds import MIC, play, tone
from sqlalchemy import select

from companion.app.calls.service import CallRequest
from companion.app.sync.sync_pass import sync_once
from companion.core.calls.session import CallState
from companion.edges.policy.files import default_policy_path
from companion.edges.store import audit
from companion.edges.store.models import CallRecord, MomentRecord, RecordingSegmentRecord

pytestmark = pytest.mark.usefixtures("secret_service", "pulse_testbed")
MB = 1024 * 1024
FIVE_MINUTES = 5 * 60 * 4_500 + 8 * MB  # what the preflight asks for a 5-minute call


def short_policy(context, recipient: str | None = None) -> None:
    """The default policy with calls of at most 5 minutes (and an organisation recipient)."""
    text = default_policy_path().read_text(encoding="utf-8")
    assert "max_minutes = 120" in text
    text = text.replace("max_minutes = 120", "max_minutes = 5")
    if recipient:
        text += f'\n[sync]\nrecipients = ["{recipient}"]\n'
    context.paths.policy_override.write_text(text, encoding="utf-8")


@pytest.fixture
def context(small_disk, make_context):
    ctx = make_context(real_audio=True)
    short_policy(ctx)
    yield ctx
    small_disk.release()
    if ctx.calls.current is not None and ctx.calls.current.state is not CallState.ENDED:
        ctx.calls.end_call()
    ctx.calls.unsaved.retry()
    # Whatever the rep was told: one line each, no library's error catalogue in it.
    for message in ctx.messages.history:
        assert "http" not in message.text and "\n" not in message.text, message


def titles(context) -> list[str]:
    return [m.title for m in context.messages.history]


def moments_in_store(context) -> list[str]:
    with context.store() as db:
        return list(db.scalars(select(MomentRecord.note).order_by(MomentRecord.id)))


def audit_verifies(context) -> bool:
    with context.store() as db:
        return audit.verify(db) == []


def tick_until(context, state: CallState, seconds: float = 10.0) -> None:
    """The call window's timer, as fast as a test needs it."""
    deadline = time.monotonic() + seconds
    while context.calls.current.state is not state and time.monotonic() < deadline:
        context.calls.tick()
        time.sleep(0.05)
    assert context.calls.current.state is state


def test_too_little_space_refuses_recording_before_the_customer_is_asked(context, small_disk):
    small_disk.fill(leave=FIVE_MINUTES - 2 * MB)
    session = context.calls.start_call(CallRequest("Acme", "discovery", "DE"))
    assert session.state is CallState.BLOCKED  # the consent script is never shown
    reason = session.transitions[-1].reason
    assert "Not enough free disk space to record" in reason and "needed" in reason
    assert context.messages.history[-1].text == reason
    context.calls.mark_moment(note="notes work without recording")
    context.calls.end_call()
    assert moments_in_store(context) == ["notes work without recording"]
    with context.store() as db:
        assert db.scalars(select(RecordingSegmentRecord)).all() == []
    assert audit_verifies(context)


def test_a_disk_full_before_consent_keeps_the_notes_and_records_nothing(
    context, small_disk, tmp_path
):
    calls = context.calls
    calls.start_call(CallRequest("Acme", "discovery", "DE"))
    small_disk.fill()
    calls.mark_consent()  # another program filled the disk while the script was read
    assert calls.current.state is CallState.STOPPED
    assert calls.current.notes_only
    assert "Not saved yet" in titles(context)
    calls.mark_moment(note="kept while the disk is full")
    assert calls.unsaved.count > 0
    assert "kept while the disk is full" not in moments_in_store(context)
    small_disk.release()
    calls.tick()
    assert calls.unsaved.count == 0 and "Saved" in titles(context)
    calls.end_call()
    assert moments_in_store(context) == ["kept while the disk is full"]
    with context.store() as db:
        call = db.scalars(select(CallRecord)).one()
        assert (call.state, call.outcome) == ("ended", "consented")
    assert audit_verifies(context)


def test_low_space_mid_recording_stops_capture_while_notes_still_fit(context, small_disk, tmp_path):
    calls = context.calls
    calls.start_call(CallRequest("Acme", "discovery", "DE"))
    calls.mark_consent()
    assert calls.current.state is CallState.RECORDING
    play(MIC, tone(tmp_path, 1000, 1.0))
    small_disk.fill(leave=3 * MB)
    calls.tick()
    assert calls.current.state is CallState.STOPPED
    assert "the disk is almost full" in calls.current.transitions[-1].reason
    assert titles(context).count("Recording stopped") == 1
    calls.tick()  # told once, not on every tick
    assert titles(context).count("Recording stopped") == 1
    calls.mark_moment(note="after the stop")
    assert calls.unsaved.count == 0  # the store still had room: saved at once
    calls.end_call()
    assert moments_in_store(context) == ["after the stop"]
    with context.store() as db:
        (segment,) = db.scalars(select(RecordingSegmentRecord)).all()
        assert segment.state == "complete" and segment.frames > 0.5 * 48_000
    assert audit_verifies(context)


def test_a_disk_filled_to_the_brim_mid_recording_stops_and_loses_no_note(
    context, small_disk, tmp_path
):
    calls = context.calls
    calls.start_call(CallRequest("Acme", "discovery", "DE"))
    calls.mark_consent()
    play(MIC, tone(tmp_path, 1000, 1.0))
    calls.mark_moment(note="before the disk filled")
    small_disk.fill()
    tick_until(context, CallState.STOPPED)
    assert "Recording stopped" in titles(context)
    calls.mark_moment(note="while the disk is full")
    assert calls.unsaved.count > 0
    small_disk.release()
    calls.tick()
    assert calls.unsaved.count == 0
    calls.end_call()
    assert moments_in_store(context) == ["before the disk filled", "while the disk is full"]
    with context.store() as db:
        (segment,) = db.scalars(select(RecordingSegmentRecord)).all()
        assert segment.state == "complete"
        assert db.scalars(select(CallRecord.state)).one() == "ended"
    assert audit_verifies(context)


def test_a_disk_full_while_the_call_ends_saves_the_end_once_there_is_room(
    context, small_disk, tmp_path
):
    calls = context.calls
    calls.start_call(CallRequest("Acme", "discovery", "DE"))
    calls.mark_consent()
    play(MIC, tone(tmp_path, 1000, 1.0))
    small_disk.fill()
    calls.end_call()  # nothing raises: the end is kept until it can be written
    assert calls.current.state is CallState.ENDED
    assert calls.unsaved.count > 0 and "Not saved yet" in titles(context)
    small_disk.release()
    assert calls.unsaved.retry() == 0
    with context.store() as db:
        assert db.scalars(select(CallRecord.state)).one() == "ended"
        (segment,) = db.scalars(select(RecordingSegmentRecord)).all()
        assert segment.state == "complete"
    assert audit_verifies(context)


def test_a_disk_full_during_a_sync_pass_delivers_nothing_twice_and_later_everything(
    context, small_disk, tmp_path
):
    organisation = pyrage.x25519.Identity.generate()
    short_policy(context, str(organisation.to_public()))
    share = tmp_path / "share"  # the organisation's share is not on the small disk
    share.mkdir()
    context.settings.save(context.settings.load().with_changes(sync_folder=str(share)))
    calls = context.calls
    calls.start_call(CallRequest("Acme", "discovery", "DE"))
    calls.mark_consent()
    play(MIC, tone(tmp_path, 1000, 1.0))
    calls.mark_moment(note="pricing")
    call_id = calls.current.details.call_id
    calls.end_call()
    for key in CRM:
        context.review.crm.set_crm_field(call_id, key, f"{key}: done")
    context.review.crm.mark_ready(call_id)
    small_disk.fill()
    try:
        summary = sync_once(context)
    except Exception as error:  # only the user-facing kind may reach the caller
        from companion.core.errors import UserFacingError

        assert isinstance(error, UserFacingError), error
        summary = str(error)
    print("first pass:", summary)
    assert "1 delivered" not in summary, summary
    small_disk.release()
    assert sync_once(context).startswith("sync: 1 delivered")
    packages = [p for p in share.iterdir() if p.is_dir() and not p.name.startswith(".")]
    assert [p.name for p in packages] == [f"call-{call_id}"]
    assert audit_verifies(context)
