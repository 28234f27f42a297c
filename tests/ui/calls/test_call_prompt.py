"""Noticing a call by the microphone, against a real PulseAudio with a softphone-like client.

`parec --client-name=zoom` records from the default source exactly as a softphone does;
the app's own watch (`pactl subscribe`) sees it.
"""

from __future__ import annotations

import os
import subprocess
import time

import pytest

from companion.app.calls.service import CallRequest
from companion.ui.shell.app import TrayApp

pytestmark = pytest.mark.usefixtures("pulse_testbed")


def softphone(name: str = "zoom") -> subprocess.Popen[bytes]:
    return subprocess.Popen(["parec", f"--client-name={name}", os.devnull], env=os.environ.copy())


@pytest.fixture
def companion(qtbot, make_context):
    app = TrayApp(make_context(), lambda: None)
    offers: list[str] = []
    ends: list[str] = []
    app.prompt.offered.connect(offers.append)
    app.prompt.end_asked.connect(ends.append)
    app.offers, app.ends = offers, ends
    app.prompt.start_noticing()
    yield app
    app.prompt.stop()
    app.tray.icon.hide()


def test_a_softphone_opening_the_mic_offers_the_call_within_two_seconds(qtbot, companion):
    phone = softphone()
    opened = time.monotonic()
    try:
        qtbot.waitUntil(lambda: companion.offers == ["zoom"], timeout=2000)
        latency = time.monotonic() - opened
    finally:
        phone.terminate()
        phone.wait(timeout=10)
    assert latency < 2.0
    assert companion.tray.actions["start_call"].text() == "Start call (zoom)…"
    assert companion.tray.actions["ignore_app"].isVisible()
    assert companion.context.messages.history[-1].title == "Call starting in zoom"
    companion.prompt.clicked()  # the notification: the one-window start opens
    assert type(companion.flow.dialog).__name__ == "QuickStartDialog"


def test_a_mic_open_for_300_ms_is_not_a_call(qtbot, companion):
    phone = softphone()
    time.sleep(0.3)
    phone.terminate()
    phone.wait(timeout=10)
    qtbot.wait(2000)
    assert companion.offers == []
    assert companion.tray.actions["start_call"].text() == "Start call…"


def test_the_softphone_letting_the_mic_go_during_a_call_asks_to_end_it(qtbot, companion):
    phone = softphone()
    try:
        qtbot.waitUntil(lambda: companion.offers == ["zoom"], timeout=2000)
        companion.context.calls.start_call(CallRequest("Acme", "legal", "DE"))
    finally:
        phone.terminate()
        phone.wait(timeout=10)
    qtbot.waitUntil(lambda: companion.ends == ["zoom"], timeout=2000)
    assert companion.context.messages.history[-1].title == "Call ended in zoom?"
    assert companion.prompt.grace.isActive()
    assert companion.prompt.grace.interval() == 5 * 60_000  # the policy's grace period
    companion.context.calls.end_call()  # the rep ends it: nothing left to end later
    assert not companion.prompt.grace.isActive()


def test_an_ignored_app_is_not_offered_again(qtbot, companion):
    phone = softphone()
    try:
        qtbot.waitUntil(lambda: companion.offers == ["zoom"], timeout=2000)
        companion.tray.actions["ignore_app"].trigger()
    finally:
        phone.terminate()
        phone.wait(timeout=10)
    assert companion.context.settings.load().ignored_call_apps == ("zoom",)
    again = softphone()
    try:
        qtbot.wait(2000)
    finally:
        again.terminate()
        again.wait(timeout=10)
    assert companion.offers == ["zoom"]


@pytest.mark.usefixtures("secret_service")
def test_from_the_prompt_to_recording_is_two_clicks_for_a_known_account(qtbot, make_context):
    from PySide6.QtCore import Qt

    from companion.core.calls.session import CallState
    from companion.ui.calls.quick_start import QuickStartDialog

    app = TrayApp(make_context(real_audio=True), lambda: None)
    calls = app.context.calls
    calls.start_call(CallRequest("Acme GmbH", "demo", "DE", "de"))  # a known account
    calls.mark_decline("de")
    calls.end_call()
    for window in list(app.windows.values()):
        window.close()
    offers: list[str] = []
    app.prompt.offered.connect(offers.append)
    app.prompt.start_noticing()
    phone = softphone("zoom")
    clicks = 0
    try:
        qtbot.waitUntil(lambda: offers == ["zoom"], timeout=2000)
        app.prompt.clicked()  # click 1: "Call starting in zoom"
        clicks += 1
        dialog = app.flow.dialog
        assert isinstance(dialog, QuickStartDialog)
        details = dialog.details
        assert details.account.text() == "Acme GmbH"  # the last account, its type and region
        assert (details.call_type.currentData(), details.region.currentData()) == ("demo", "DE")
        assert details.language.currentData() == "de"  # follows the region
        assert dialog.script_label.text().startswith("Bevor wir anfangen")
        qtbot.mouseClick(dialog.agree_button, Qt.MouseButton.LeftButton)  # click 2
        clicks += 1
        assert calls.current.state is CallState.RECORDING
        assert clicks == 2
        calls.end_call()
    finally:
        phone.terminate()
        phone.wait(timeout=10)
        app.prompt.stop()
        for window in list(app.windows.values()):
            window.close()
        app.tray.icon.hide()


def test_the_one_window_start_shows_why_not_instead_of_the_script(qtbot, companion):
    from PySide6.QtCore import Qt

    from companion.core.calls.session import CallState

    dialog = companion.flow.quick_start()
    details = dialog.details
    qtbot.keyClicks(details.account, "Initech")
    details.call_type.setCurrentIndex(details.call_type.findData("legal"))
    qtbot.waitUntil(lambda: dialog.pages.currentIndex() == 1)  # previewed: not recorded
    assert "never recorded" in dialog.reason_label.text()
    assert not dialog.agree_button.isVisible()
    qtbot.mouseClick(dialog.notes_button, Qt.MouseButton.LeftButton)
    assert companion.context.calls.current.state is CallState.BLOCKED
    companion.context.calls.end_call()
