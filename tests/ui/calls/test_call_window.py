"""The in-call window driven with real key presses, offscreen."""

from __future__ import annotations

import pytest
from peers import uses_audio_peer
from peers.sounds import MIC, play, tone
from PySide6.QtCore import Qt
from sqlalchemy import select

from companion.app.calls.service import CallRequest
from companion.core.calls.session import CallState
from companion.edges.store.models import MomentRecord
from companion.ui.calls.call_window import CallWindow
from companion.ui.shell.app import TrayApp


@pytest.fixture
def companion(qtbot, make_context, request):
    app = TrayApp(make_context(real_audio=uses_audio_peer(request)), lambda: None)
    yield app
    if app.call_window is not None:
        app.call_window.timer.stop()
        app.call_window.close()
    app.tray.icon.hide()


def moments(app) -> list[tuple[str | None, str, bool]]:
    with app.context.store() as db:
        rows = db.scalars(select(MomentRecord).order_by(MomentRecord.id)).all()
    return [(m.tag, m.note, m.had_audio) for m in rows]


def active(qtbot, window: CallWindow) -> CallWindow:
    """Shortcuts reach the active window only, as on a desktop."""
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    return window


def declined_call(qtbot, app) -> CallWindow:
    app.context.calls.start_call(CallRequest("Acme", "discovery", "DE"))
    app.context.calls.mark_decline()
    assert isinstance(app.call_window, CallWindow)
    return active(qtbot, app.call_window)


def test_digit_keys_mark_tagged_moments_and_show_them(qtbot, companion):
    window = declined_call(qtbot, companion)
    window.moments.setFocus()
    qtbot.keyClick(window.moments, Qt.Key.Key_3)
    qtbot.keyClick(window.moments, Qt.Key.Key_7)
    assert moments(companion) == [("pain_point", "", False), ("decision_criteria", "", False)]
    shown = [window.moments.item(i).text() for i in range(window.moments.count())]
    assert shown[0].endswith("Pain point") and shown[1].endswith("Decision criteria")


def test_typing_a_note_keeps_digits_and_ctrl_digit_tags_it(qtbot, companion):
    window = declined_call(qtbot, companion)
    window.note.setFocus()
    qtbot.keyClicks(window.note, "budget 2027")
    assert moments(companion) == []
    qtbot.keyClick(window.note, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    assert moments(companion) == []  # "Objection" is not a discovery call's tag
    qtbot.keyClick(window.note, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert moments(companion) == [("competitor_mention", "budget 2027", False)]
    assert window.note.text() == ""
    qtbot.keyClicks(window.note, "sent deck")
    qtbot.keyClick(window.note, Qt.Key.Key_Return)
    assert moments(companion)[-1] == (None, "sent deck", False)


def test_tag_buttons_are_the_call_types_with_their_shortcuts(qtbot, companion):
    window = declined_call(qtbot, companion)  # a discovery call: the policy lists 4 tags
    labels = [b.text() for b in window.tag_buttons.values()]
    assert labels == [
        "Discovery [1]",
        "Pain point [3]",
        "Competitor mention [2]",
        "Decision criteria [7]",
    ]
    assert window.windowTitle() == "Call with Acme"


def test_window_closes_when_the_call_ends(qtbot, companion):
    declined_call(qtbot, companion)
    companion.context.calls.end_call()
    assert companion.call_window is None


@pytest.mark.usefixtures("secret_service", "pulse_testbed")
def test_meters_show_the_mic_and_moments_know_there_was_audio(qtbot, companion, tmp_path):
    calls = companion.context.calls
    calls.start_call(CallRequest("Acme", "demo", "DE"))
    calls.mark_consent()
    window = active(qtbot, companion.call_window)
    assert calls.current.state is CallState.RECORDING
    assert window.mic_meter.bar.value() <= -59
    play(MIC, tone(tmp_path, 1000, 0.6))
    window.refresh()
    assert window.mic_meter.bar.value() > -20
    qtbot.keyClick(window.moments, Qt.Key.Key_4)  # a demo call's first tag: Objection
    assert moments(companion) == [("objection", "", True)]
    qtbot.mouseClick(window.pause_button, Qt.MouseButton.LeftButton)
    assert calls.current.state is CallState.PAUSED and window.pause_button.text() == "Resume"
    qtbot.mouseClick(window.end_button, Qt.MouseButton.LeftButton)
    assert calls.current.state is CallState.ENDED


def test_the_call_bar_says_the_state_and_remembers_where_it_was_put(qtbot, companion):
    from PySide6.QtWidgets import QSystemTrayIcon

    window = declined_call(qtbot, companion)
    bar = companion.call_windows.bar
    assert bar is not None and bar.isVisible()
    assert bar.badge.text() == "NOT RECORDING (notes only)"
    assert bar.account.text() == "Acme" and not bar.pause_button.isEnabled()
    bar.move(321, 123)
    qtbot.waitUntil(lambda: companion.context.settings.load().call_bar_x == 321, timeout=3000)
    qtbot.mouseClick(bar.mark_button, Qt.MouseButton.LeftButton)  # Mark from the bar
    assert moments(companion) == [(None, "", False)]
    window.close()  # closed by the rep mid-call: the tray brings it back
    assert not window.isVisible()
    companion.tray.actions["show_call"].trigger()
    assert window.isVisible()
    companion.tray.icon.activated.emit(QSystemTrayIcon.ActivationReason.Trigger)  # left-click
    companion.context.calls.end_call()
    assert companion.call_windows.bar is None
    companion.context.calls.start_call(CallRequest("Globex", "discovery", "DE"))
    companion.context.calls.mark_decline()
    again = companion.call_windows.bar
    assert again is not None and (again.x(), again.y()) == (321, 123)
