"""The review's timeline and transport, driven as a rep would, heard on the speakers."""

from __future__ import annotations

import tempfile
import time

import numpy as np
import pytest
from peers.sounds import FAR_END, MIC, dominant, hear, play, start_playing, tone, tones
from PySide6.QtCore import QPoint, Qt

from companion.app.calls.service import CallRequest
from companion.ui.calls.call_window import clock_text
from companion.ui.review.review_window import ReviewWindow
from companion.ui.shell.app import TrayApp

AUDIO_LOADS_MS = 15_000


@pytest.fixture
def companion(qtbot, make_context):
    app = TrayApp(make_context(), lambda: None)
    yield app
    for window in list(app.windows.values()):
        window.close()
    app.tray.icon.hide()


@pytest.fixture
def recording_app(qtbot, make_context, secret_service, pulse_testbed):
    app = TrayApp(make_context(real_audio=True), lambda: None)
    yield app
    for window in list(app.windows.values()):
        window.close()  # stops playback and lets the decrypted audio go
    app.tray.icon.hide()


def two_tones_marked(app: TrayApp, folder) -> None:
    """500 Hz then 1300 Hz, 2.5 s each, into the microphone; a moment 1 s into each."""
    player = start_playing(MIC, tones(folder, (500, 2.5), (1300, 2.5)))
    time.sleep(1.0)
    app.context.calls.mark_moment(tag="objection")
    time.sleep(2.5)
    app.context.calls.mark_moment(tag="pain_point")
    player.wait(timeout=30)


def recorded_review(qtbot, app: TrayApp, sounds) -> ReviewWindow:
    calls = app.context.calls
    calls.start_call(CallRequest("Acme", "demo", "DE"))
    calls.mark_consent()
    assert calls.current is not None
    call_id = calls.current.details.call_id
    sounds()
    calls.end_call()
    review = app.windows[f"review:{call_id}"]
    assert isinstance(review, ReviewWindow)
    qtbot.waitUntil(lambda: review.player.timeline.envelope is not None, timeout=AUDIO_LOADS_MS)
    return review


def test_clicking_a_moment_marker_plays_the_tone_recorded_there(qtbot, recording_app, tmp_path):
    review = recorded_review(
        qtbot, recording_app, lambda: two_tones_marked(recording_app, tmp_path)
    )
    timeline = review.player.timeline
    first, second = (review.moments.item(r).data(Qt.ItemDataRole.UserRole) for r in (0, 1))
    review.moments.setCurrentRow(0)  # the list selects on the timeline ...
    assert timeline.selected == first.id
    with qtbot.waitSignal(review.player.playback_ready, timeout=AUDIO_LOADS_MS):  # decoded now
        qtbot.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=timeline.marker_point(second.id))
    assert review.moments.currentRow() == 1  # ... and the timeline selects in the list
    assert timeline.selected == second.id
    assert review.status.text() == f"Playing from {clock_text(second.offset_ms)}."
    heard = hear(0.6)
    review.player.transport.stop()
    assert abs(dominant(heard, 48_000) - 1300) < 15
    qtbot.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=timeline.marker_point(first.id))
    heard = hear(0.6)
    review.player.transport.stop()
    assert review.moments.currentRow() == 0
    assert abs(dominant(heard, 48_000) - 500) < 15


def test_clicking_the_timeline_plays_from_that_point(qtbot, recording_app, tmp_path):
    review = recorded_review(
        qtbot, recording_app, lambda: two_tones_marked(recording_app, tmp_path)
    )
    timeline = review.player.timeline
    start = timeline.recorded[0][0]
    with qtbot.waitSignal(review.player.playback_ready, timeout=AUDIO_LOADS_MS):
        qtbot.mouseClick(review.player.transport.play_button, Qt.MouseButton.LeftButton)
    for into_ms, hertz in ((3500, 1300), (800, 500)):  # where no marker is
        point = QPoint(timeline.x_at(start + into_ms), timeline.height() // 2)
        qtbot.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=point)
        heard = hear(0.5)
        review.player.transport.stop()
        assert abs(dominant(heard, 48_000) - hertz) < 15


def test_the_waveform_shows_each_side_and_writes_nothing(
    qtbot, recording_app, tmp_path, companion_home, monkeypatch
):
    scratch = tmp_path / "scratch-tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr(tempfile, "tempdir", None)  # gettempdir() reads TMPDIR again

    def sounds() -> None:
        play(MIC, tone(tmp_path, 800, 1.5))  # the rep speaks, then the customer
        play(FAR_END, tone(tmp_path, 400, 1.5))

    def files() -> dict[str, int]:
        found = [*companion_home.rglob("*"), *scratch.rglob("*")]
        return {str(p): p.stat().st_size for p in found if p.is_file()}

    calls = recording_app.context.calls
    calls.start_call(CallRequest("Acme", "demo", "DE"))
    calls.mark_consent()
    call_id = calls.current.details.call_id
    sounds()
    calls.end_call()
    before = files()
    review = recording_app.windows[f"review:{call_id}"]
    player = review.player
    qtbot.waitUntil(lambda: player.timeline.envelope is not None, timeout=AUDIO_LOADS_MS)
    envelope = player.timeline.envelope
    assert player.playback is None  # the whole call is decoded only to be played
    with qtbot.waitSignal(player.playback_ready, timeout=AUDIO_LOADS_MS):
        qtbot.mouseClick(player.transport.play_button, Qt.MouseButton.LeftButton)
    player.transport.stop()
    assert files().keys() == before.keys()  # no cache, no temporary file
    frames = player.playback.frames
    raw = frames[len(frames) // 4 : len(frames) // 4 + 2400].tobytes()
    for path in files():
        with open(path, "rb") as handle:
            assert raw not in handle.read(), f"{path} holds decrypted samples"
    rep, customer = envelope.side(0), envelope.side(1)
    rep_speaks = np.nonzero((rep > 0.3) & (customer < 0.05))[0]
    customer_speaks = np.nonzero((customer > 0.3) & (rep < 0.05))[0]
    call_ms = review.player.timeline.call_ms
    for bins in (rep_speaks, customer_speaks):  # each tone, 1.5 s of the call, on its side
        assert len(bins) * call_ms / envelope.bins > 1200
    assert rep_speaks.max() < customer_speaks.min()  # the rep first
    review.close()
    assert player.playback is None and player.timeline.envelope is None  # let go


def test_pause_holds_the_position_and_stop_returns_to_the_start(qtbot, recording_app, tmp_path):
    review = recorded_review(qtbot, recording_app, lambda: play(MIC, tone(tmp_path, 900, 3.0)))
    transport = review.player.transport
    length = f" / {clock_text(review.player.timeline.call_ms)}"
    assert transport.position.text() == "00:00" + length
    qtbot.mouseClick(transport.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: transport.position.text() == "00:01" + length, timeout=3000)
    assert review.player.timeline.position_ms >= 1000  # the playhead follows
    qtbot.mouseClick(transport.pause_button, Qt.MouseButton.LeftButton)
    held = transport.position_ms()
    qtbot.wait(500)
    assert transport.position_ms() == held
    assert transport.play_button.isEnabled() and not transport.pause_button.isEnabled()
    qtbot.mouseClick(transport.play_button, Qt.MouseButton.LeftButton)  # resumes there
    qtbot.waitUntil(lambda: transport.position_ms() > held + 300, timeout=3000)
    qtbot.mouseClick(transport.stop_button, Qt.MouseButton.LeftButton)
    assert transport.playback.position == 0
    assert transport.position.text() == "00:00" + length
    qtbot.mouseClick(transport.play_button, Qt.MouseButton.LeftButton)
    heard = hear(0.5)
    assert abs(dominant(heard, 48_000) - 900) < 15  # from the start again
    transport.playback.seek(transport.playback.seconds - 0.3)
    qtbot.waitUntil(lambda: not transport.pause_button.isEnabled(), timeout=3000)  # the end
    assert transport.play_button.isEnabled()


def test_a_notes_only_call_shows_its_moments_but_offers_no_playback(qtbot, companion):
    calls = companion.context.calls
    calls.start_call(CallRequest("Acme", "demo", "DE"))
    calls.mark_decline()
    calls.mark_moment(tag="objection", note="price")
    call_id = calls.current.details.call_id
    calls.end_call()
    review = companion.windows[f"review:{call_id}"]
    timeline, transport = review.player.timeline, review.player.transport
    assert timeline.recorded == [] and len(timeline.moments) == 1
    assert transport.status.text() == "No audio: notes only."
    assert not transport.play_button.isEnabled() and not transport.stop_button.isEnabled()
    moment = timeline.moments[0]
    qtbot.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=timeline.marker_point(moment.id))
    assert review.moments.currentRow() == 0
    assert review.status.text().startswith("No audio at")
    assert timeline.stretch_at(moment.offset_ms) == "Not recorded"
    review.moments.setCurrentRow(-1)
    assert timeline.selected is None
    review.moments.setCurrentRow(0)
    assert timeline.selected == moment.id
    with qtbot.waitSignal(timeline.seek_requested) as asked:  # the keyboard steps too
        qtbot.keyClick(timeline, Qt.Key.Key_Right)
    assert asked.args == [min(5_000, timeline.call_ms)]
