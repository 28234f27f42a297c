"""The start dialog fills in from the rep's calendar, served by a real local HTTP server:
the meeting in progress first, in the rep's time zone; a broken address is one line in
Settings and the dialog works as before; nothing of the calendar leaves the laptop."""

from __future__ import annotations

import json
import time

import pyrage
import pytest
from calendar_helpers import NOW, WEEK, serving
from PySide6.QtCore import Qt

from companion.app.calls.service import CallRequest
from companion.app.sync.call_package import package_call
from companion.core.calls.session import CallState
from companion.edges.paths import AppPaths
from companion.edges.sync.package import MANIFEST
from companion.ui.calls.consent_dialog import ConsentDialog
from companion.ui.calls.start_call_dialog import NO_MEETING, StartCallDialog
from companion.ui.settings.calendar_settings import CHECKING, CalendarSettings
from companion.ui.shell.app import TrayApp

# What the calendar knows and no package, store or file of the app may hold.
CALENDAR_ONLY = (b"Zebrafish", b"jane@acme.example", b"555-0100", b"check-in")


@pytest.fixture
def utc_desk():
    """The rep's computer set to UTC, whatever this machine's zone."""
    with pytest.MonkeyPatch.context() as zone:
        zone.setenv("TZ", "UTC")
        time.tzset()
        yield
    time.tzset()


@pytest.fixture
def companion(qtbot, tmp_path, make_context, utc_desk):
    paths = AppPaths.from_environment({"COMPANION_HOME": str(tmp_path)})
    context = make_context(paths=paths, clock=lambda: NOW)
    for account, kind in (("Acme", "discovery"), ("Globex Corporation", "discovery")):
        context.calls.start_call(CallRequest(account, kind, "DE", "de"))
        context.calls.mark_decline("de")
        context.calls.end_call()
    app = TrayApp(context, lambda: None)
    yield app
    for window in app.windows.values():
        window.close()
    if app.flow.dialog is not None:
        app.flow.dialog.close()
    app.flow.pool.waitForDone(10_000)
    app.pool.waitForDone(10_000)
    if context.calls.current is not None and context.calls.current.state is not CallState.ENDED:
        context.calls.end_call()
    app.tray.icon.hide()


def use_calendar(companion, address: str) -> None:
    settings = companion.context.settings
    settings.save(settings.load().with_changes(calendar_source=address))


def open_start(qtbot, companion) -> StartCallDialog:
    companion.tray.actions["start_call"].trigger()
    dialog = companion.flow.dialog
    assert isinstance(dialog, StartCallDialog)
    qtbot.waitUntil(lambda: not dialog.details.reading.isVisible(), timeout=10_000)
    return dialog


def offered(dialog: StartCallDialog) -> list[str]:
    box = dialog.details.calendar
    return [box.itemText(i) for i in range(box.count())]


def test_the_meeting_in_progress_is_offered_first_and_fills_in_the_call(qtbot, companion):
    with serving({"/rep.ics": WEEK}) as base:
        use_calendar(companion, f"{base}/rep.ics")
        dialog = open_start(qtbot, companion)
    # 09:00 Berlin on a UTC clock and a UTC desk: 08:00, and in progress at 08:10.
    assert offered(dialog) == [
        "Now: Acme weekly renewal check-in (08:00-09:00)",
        "At 08:30: Product demo (08:30-09:00)",
        NO_MEETING,
    ]
    assert dialog.details.calendar.isVisible()
    assert dialog.account.text() == "Acme"
    assert dialog.call_type.currentData() == "renewal"  # named in the title
    assert dialog.region.currentData() == "DE"  # Acme's last call
    # The demo starting soon: its attendee's domain names the account.
    dialog.details.calendar.setCurrentIndex(1)
    dialog.details.calendar.activated.emit(1)
    assert (dialog.account.text(), dialog.call_type.currentData()) == ("Globex Corporation", "demo")


def test_what_the_rep_typed_first_is_kept(qtbot, companion):
    with serving({"/rep.ics": WEEK}) as base:
        use_calendar(companion, f"{base}/rep.ics")
        companion.tray.actions["start_call"].trigger()
        dialog = companion.flow.dialog
        qtbot.keyClicks(dialog.account, "Initech")  # before the calendar has answered
        qtbot.waitUntil(lambda: dialog.details.calendar.isVisible(), timeout=10_000)
    assert dialog.account.text() == "Initech"
    assert dialog.details.calendar.currentText() == NO_MEETING


def test_a_broken_address_is_one_line_in_settings_and_the_dialog_works(qtbot, companion, caplog):
    with serving({}) as base:
        use_calendar(companion, f"{base}/secret-token/rep.ics")
        settings = companion.open_window("settings")
        box = settings.findChild(CalendarSettings)
        qtbot.waitUntil(lambda: box.status.text() != CHECKING, timeout=10_000)
        line = box.status.text()
        assert line == "Calendar not read: 127.0.0.1 answered 404. Check the address in Settings."
        assert any(r.getMessage() == line for r in caplog.records)  # and in the log
        dialog = open_start(qtbot, companion)
    assert not dialog.details.calendar.isVisible()
    assert dialog.account.text() == ""
    qtbot.keyClicks(dialog.account, "Initech")
    qtbot.mouseClick(dialog.buttons.buttons()[0], Qt.MouseButton.LeftButton)
    assert isinstance(companion.flow.dialog, ConsentDialog)
    assert companion.context.calls.current.details.account == "Initech"


def test_settings_says_what_the_calendar_offers_now(qtbot, companion, tmp_path):
    path = tmp_path / "rep.ics"
    path.write_bytes(WEEK)
    box = companion.open_window("settings").findChild(CalendarSettings)
    assert box.status.text().startswith("Not set")
    box.source.setText(str(path))
    box.source.editingFinished.emit()
    assert companion.context.settings.load().calendar_source == str(path)
    qtbot.waitUntil(lambda: box.status.text() != CHECKING, timeout=10_000)
    assert box.status.text() == (
        "Read (3 meeting(s) within 12 h). Now: Acme weekly renewal check-in (08:00-09:00)"
    )


def test_nothing_from_the_calendar_is_kept_synced_or_packaged(qtbot, companion, tmp_path):
    with serving({"/rep.ics": WEEK}) as base:
        use_calendar(companion, f"{base}/rep.ics")
        dialog = open_start(qtbot, companion)
        qtbot.mouseClick(dialog.buttons.buttons()[0], Qt.MouseButton.LeftButton)
    context = companion.context
    session = context.calls.current
    assert session.details.account == "Acme"
    context.calls.mark_decline("de")
    context.calls.end_call()
    org = pyrage.x25519.Identity.generate()
    package = package_call(
        context.store,
        session.details.call_id,
        context.active_policy().policy,
        None,
        [str(org.to_public())],
    )
    manifest = pyrage.decrypt(package.files[MANIFEST + ".age"], [org])
    assert json.loads(manifest)["account"] == "Acme"  # what the rep accepted, no more
    for data in [manifest, package.index_bytes]:
        assert not [word for word in CALENDAR_ONLY if word in data]
    # Nor anywhere in the profile: store, settings, logs, caches (the address aside).
    for file in (p for p in tmp_path.rglob("*") if p.is_file()):
        found = [word for word in CALENDAR_ONLY if word in file.read_bytes()]
        assert found == [], file
