"""Drive the real tray app through real calls and photograph every screen a rep sees.

    python tests/screenshots/screenshot_app.py OUT_DIR light|dark

Started by make_screenshots.py with DISPLAY (Xvfb + trayer), the PulseAudio testbed
and the Secret Service peer in its environment. The app is the real one (real
recorder, real keyring, real store); the colour scheme is applied through the app's
`Theme` as the OS's colorSchemeChanged would. Each step waits for what it shows (the
icon docked, the menu open, a level on the meter), bounded, never a fixed sleep alone.
Prints one JSON line: the pictures written and what they showed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from PySide6.QtCore import QLocale, QRect, Qt, QTimer
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QApplication, QDialog, QScrollArea, QWidget

from companion.app.calls.service import CallRequest
from companion.app.compose import build_context
from companion.ui.calls.blocked_dialog import BlockedDialog
from companion.ui.calls.consent_dialog import ConsentDialog
from companion.ui.calls.start_call_dialog import StartCallDialog
from companion.ui.look.theme import Theme
from companion.ui.settings.calendar_settings import CHECKING, CalendarSettings
from companion.ui.shell.app import TrayApp
from companion.ui.shell.gui_garbage import GuiThreadGarbage

TESTS = Path(__file__).resolve().parents[1]  # tests/calendar_helpers: the ICS and its server
TICK_MS = 25
PATIENCE_TICKS = 400  # 10 s for anything awaited
# CJK first, so the elided cell still shows it; Hebrew, Arabic and emoji in the tooltip.
LONG_ACCOUNT = ("東京貿易株式会社 🚀 שלום مرحبا Überseeische Handelsgesellschaft " * 4)[:200]

shots, scheme = Path(sys.argv[1]), sys.argv[2]
TONE = Path(tempfile.mkdtemp(prefix="screenshot-tone-")) / "tone.wav"
QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom))
app = QApplication([])
garbage = GuiThreadGarbage(app)  # as run() does: collection on the GUI thread only
app.setApplicationName("Rep Companion")
theme = Theme(app)
theme.apply(Qt.ColorScheme.Dark if scheme == "dark" else Qt.ColorScheme.Light)
companion = TrayApp(build_context(), app.quit)  # the real recorder: REC is real
companion.show()
pictures: list[str] = []
icon_at: list[QRect] = []  # where trayer docked the icon
icon_crops: dict[str, QImage] = {}
seen: dict[str, object] = {"pictures": pictures}


def save(name: str, image: QImage) -> None:
    path = shots / f"{name}-{scheme}.png"
    image.save(str(path), quality=0)  # PNG by the name; quality 0: smallest, lossless
    pictures.append(path.name)


def photograph(name: str, widget: QWidget) -> None:
    save(name, widget.grab().toImage())


def when(ready: Callable[[], bool], then: Callable[[], None], what: str) -> None:
    """Run `then` once `ready()` is true, polling every TICK_MS; give up loudly."""
    ticks = {"left": PATIENCE_TICKS}

    def poll() -> None:
        try:
            if ready():
                then()
                return
        except Exception:  # a slot's exception would only be printed: stop the run instead
            traceback.print_exc()
            app.exit(4)
            return
        ticks["left"] -= 1
        if ticks["left"] <= 0:
            print(f"gave up waiting for {what}", file=sys.stderr)
            app.exit(3)
            return
        QTimer.singleShot(TICK_MS, poll)

    QTimer.singleShot(TICK_MS, poll)


def icon_geometry() -> QRect | None:
    """The tray icon trayer docked: our process's small visible window."""
    found = subprocess.run(
        ["xdotool", "search", "--onlyvisible", "--pid", str(os.getpid())],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    for window in found:
        shape = subprocess.run(
            ["xdotool", "getwindowgeometry", "--shell", window],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        size = {k: int(v) for k, v in (line.split("=") for line in shape.split())}
        if size["WIDTH"] <= 64 and size["HEIGHT"] <= 64:
            seen["icon_window"] = window
            return QRect(size["X"], size["Y"], size["WIDTH"], size["HEIGHT"])
    return None


def crop_icon(state: str) -> None:
    """The docked icon as trayer shows it now."""
    screen = app.primaryScreen().grabWindow(0).toImage()
    icon_crops[state] = screen.copy(icon_at[0])


def tray_icon_sheet() -> None:
    """The real icon crops side by side, 3x with no smoothing (the pixels as they are)."""
    scale, cell = 3, 120
    crops = list(icon_crops.items())
    sheet = QImage(cell * len(crops), cell, QImage.Format.Format_RGB32)
    sheet.fill(QColor(theme.palette.window))
    painter = QPainter(sheet)
    painter.setPen(QColor(theme.palette.text))
    for index, (state, crop) in enumerate(crops):
        big = crop.scaled(crop.width() * scale, crop.height() * scale)
        painter.drawImage((index * cell) + (cell - big.width()) // 2, 8, big)
        words = QRect(index * cell, cell - 28, cell, 24)
        painter.drawText(words, Qt.AlignmentFlag.AlignCenter, state)
    painter.end()
    save("tray-icon", sheet)


def open_tray_menu() -> None:
    geometry = icon_geometry()
    assert geometry is not None
    icon_at.append(geometry)
    crop_icon("idle")
    window = str(seen["icon_window"])
    # Clicked at its lower edge, so the menu opens below the icon and leaves it in sight.
    low = str(geometry.height() - 1)
    subprocess.run(["xdotool", "mousemove", "--window", window, "4", low, "click", "3"], check=True)
    menu = companion.tray.menu
    when(menu.isVisible, lambda: tray_menu_shot(geometry), "the tray menu")


def tray_menu_shot(icon: QRect) -> None:
    """The icon in its panel and the menu it opened, in one picture."""
    menu = companion.tray.menu
    area = icon.united(menu.geometry()).adjusted(-12, -8, 12, 12)
    screen = app.primaryScreen().grabWindow(0).toImage()
    save("tray-menu", screen.copy(area.intersected(screen.rect())))
    seen["menu_items"] = [a.text() for a in menu.actions() if a.text() and a.isVisible()]
    menu.hide()
    subprocess.run(["xdotool", "mousemove", "640", "700"], check=True)  # off the icon
    start_dialog()


def start_dialog() -> None:
    dialog = companion.flow.ask_details()
    dialog.move(60, 60)
    dialog.account.setText("Globex Corporation")
    dialog.call_type.setCurrentIndex(dialog.call_type.findData("demo"))
    dialog.region.setCurrentIndex(dialog.region.findData("DE"))
    when(dialog.isVisible, lambda: start_recorded_call(dialog), "the start dialog")


def start_recorded_call(dialog: StartCallDialog) -> None:
    photograph("start-dialog", dialog)
    dialog.accept()  # as "Start call" does: the consent script comes next
    consent = companion.flow.dialog
    assert isinstance(consent, ConsentDialog)
    consent.move(60, 60)
    when(consent.isVisible, lambda: consent_shot(consent), "the consent dialog")


def consent_shot(consent: ConsentDialog) -> None:
    photograph("consent-dialog", consent)
    consent.agree_button.click()  # the customer agreed: recording starts for real
    calls = companion.context.calls
    seen["recorded_state"] = calls.current.state.value if calls.current else None
    tone = subprocess.Popen(  # the rep speaks: the microphone's meter moves
        ["paplay", "--device=micsink", str(TONE)], env=os.environ.copy()
    )
    far = subprocess.Popen(  # and the customer answers: the call side's meter too
        ["paplay", "--device=spk", str(TONE)], env=os.environ.copy()
    )
    seen["tone"], seen["far"] = tone, far
    window = companion.call_window
    assert window is not None
    window.move(60, 110)
    window.note.setText("Budget approved for Q3")
    window.mark("objection")
    window.note.setText("Compared us with Gong")
    window.mark("competitor_mention")
    when(
        lambda: window.mic_meter.bar.value() > -40 and window.far_meter.bar.value() > -40,
        lambda: call_shots("recording", pause),
        "a level on both meters",
    )


def call_shots(state: str, then: Callable[[], None]) -> None:
    bar, window = companion.call_windows.bar, companion.call_window
    assert bar is not None and window is not None
    bar.refresh()
    window.refresh()
    seen[f"bar_{state}"] = bar.badge.text()
    seen[f"window_{state}"] = window.state.text()
    photograph(f"call-bar-{state}", bar)
    photograph(f"call-window-{state}", window)
    crop_icon(state)
    then()


def pause() -> None:
    companion.context.calls.pause()
    QTimer.singleShot(300, lambda: call_shots("paused", review))


def review() -> None:
    calls = companion.context.calls
    assert calls.current is not None
    call_id = calls.current.details.call_id
    for player in (seen.pop("tone"), seen.pop("far")):
        assert isinstance(player, subprocess.Popen)
        player.wait(timeout=10)
    calls.end_call()  # the review opens for the call just ended
    window = companion.windows[f"review:{call_id}"]
    window.move(60, 60)
    window.crm["next_steps"].setPlainText("Send pricing by Friday")  # type: ignore[attr-defined]
    when(window.isVisible, lambda: review_shot(window), "the review window")


def review_shot(window: QWidget) -> None:
    photograph("review", window)
    window.close()
    calls = companion.context.calls
    calls.start_call(CallRequest("Acme GmbH", "discovery", "DE"))
    calls.mark_decline()  # notes only: the customer said no
    opened = companion.call_window
    assert opened is not None
    opened.note.setText("Asked for a written summary instead")
    opened.mark(None)
    QTimer.singleShot(300, lambda: call_shots("notes", blocked_call))


def end_and_close_review() -> None:
    calls = companion.context.calls
    call_id = calls.current.details.call_id if calls.current else ""
    calls.end_call()
    review_window = companion.windows.pop(f"review:{call_id}", None)
    if review_window is not None:
        review_window.close()


def blocked_call() -> None:
    end_and_close_review()
    dialog = companion.flow.ask_details()
    dialog.account.setText("Initech")
    dialog.call_type.setCurrentIndex(dialog.call_type.findData("legal"))
    dialog.region.setCurrentIndex(dialog.region.findData("US"))
    dialog.accept()
    blocked = companion.flow.dialog
    assert isinstance(blocked, BlockedDialog)
    blocked.move(60, 60)
    when(blocked.isVisible, lambda: blocked_shots(blocked), "the blocked dialog")


def blocked_shots(blocked: QDialog) -> None:
    photograph("blocked-dialog", blocked)
    blocked.accept()
    QTimer.singleShot(300, lambda: call_shots("blocked", library))


def library() -> None:
    end_and_close_review()
    calls = companion.context.calls
    calls.start_call(CallRequest(LONG_ACCOUNT[:200], "discovery", "DE"))
    calls.mark_decline()
    calls.mark_moment(tag="objection", note="価格が高い 😬")
    end_and_close_review()
    window = companion.open_window("library")
    window.move(20, 40)
    when(window.isVisible, lambda: other_windows(window), "the library")


def other_windows(library_window: QWidget) -> None:
    photograph("library", library_window)
    library_window.close()
    window_shot(["settings", "policy"])


def window_shot(names: list[str]) -> None:
    """Each window once it has laid itself out (word-wrapped labels need a pass)."""
    if not names:
        calendar_shots()
        return
    window = companion.open_window(names[0])
    window.move(60, 60)

    def shoot() -> None:
        photograph(names[0], window)
        window.close()
        window_shot(names[1:])

    QTimer.singleShot(200, shoot)


def rep_calendar() -> bytes:
    """This week's occurrence of a weekly Acme meeting (Berlin time, its VTIMEZONE in the
    file) is on now; a demo with someone at Globex starts in 20 minutes."""
    from calendar_helpers import ics

    berlin = ZoneInfo("Europe/Berlin")
    now = datetime.now(berlin).replace(second=0, microsecond=0)
    began = now.replace(minute=0) - timedelta(weeks=3)
    demo = now + timedelta(minutes=20)

    def at(moment: datetime) -> str:
        return f"TZID=Europe/Berlin:{moment:%Y%m%dT%H%M%S}"

    weekly = (
        "BEGIN:VEVENT\nUID:weekly@screenshots\nDTSTAMP:20260101T000000Z\n"
        f"DTSTART;{at(began)}\nDTEND;{at(began + timedelta(hours=1))}\n"
        f"RRULE:FREQ=WEEKLY;BYDAY={('MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU')[now.weekday()]}\n"
        "SUMMARY:Acme GmbH: weekly renewal check-in\n"
        "ATTENDEE:mailto:jane@acme.example\nEND:VEVENT"
    )
    soon = (
        "BEGIN:VEVENT\nUID:demo@screenshots\nDTSTAMP:20260101T000000Z\n"
        f"DTSTART;{at(demo)}\nDTEND;{at(demo + timedelta(minutes=30))}\n"
        "SUMMARY:Product demo\nATTENDEE:mailto:bob@globex.example\nEND:VEVENT"
    )
    return ics(weekly, soon)


def calendar_shots() -> None:
    """The start dialog filled in from the rep's calendar, and Settings' calendar box."""
    if str(TESTS) not in sys.path:
        sys.path.insert(0, str(TESTS))
    from calendar_helpers import serving

    server = serving({"/rep.ics": rep_calendar()})
    address = server.__enter__() + "/rep.ics"
    settings = companion.context.settings
    settings.save(settings.load().with_changes(calendar_source=address))
    dialog = companion.flow.ask_details()
    dialog.move(60, 60)

    def shoot_dialog() -> None:
        photograph("start-dialog-calendar", dialog)
        seen["calendar_offers"] = [
            dialog.details.calendar.itemText(i) for i in range(dialog.details.calendar.count())
        ]
        seen["calendar_account"] = dialog.account.text()
        dialog.close()
        old = companion.windows.pop("settings", None)  # opened before a calendar was set
        if old is not None:
            old.deleteLater()
        window = companion.open_window("settings")
        window.move(60, 60)
        box = window.findChild(CalendarSettings)
        assert box is not None
        scroll = window.findChild(QScrollArea)
        assert scroll is not None
        status = box.status

        def read_and_laid_out() -> bool:  # the line wraps: its height follows a pass later
            fits = status.height() >= status.heightForWidth(status.width())
            return status.text() != CHECKING and fits

        when(read_and_laid_out, lambda: shoot_settings(window, box, scroll), "the calendar")

    def shoot_settings(window: QWidget, box: CalendarSettings, scroll: QScrollArea) -> None:
        scroll.ensureWidgetVisible(box)
        photograph("settings-calendar", window)
        seen["calendar_line"] = box.status.text()
        window.close()
        server.__exit__(None, None, None)
        tray_icon_sheet()
        print(json.dumps(seen), flush=True)
        companion.quit()

    when(dialog.details.calendar.isVisible, shoot_dialog, "the calendar's offers")


def start() -> None:
    subprocess.run(  # a second and a half of 440 Hz: what the rep "says"
        [
            "sox",
            "-n",
            "-r",
            "48000",
            "-c",
            "1",
            str(TONE),
            "synth",
            "1.5",
            "sine",
            "440",
            "vol",
            "0.5",
        ],
        check=True,
    )
    when(lambda: icon_geometry() is not None, open_tray_menu, "the tray icon")


QTimer.singleShot(0, start)
sys.exit(app.exec())
