"""The tray app on an X server with an XEmbed tray host (trayer), a call paused: the
"Call ended?" balloon and the icon's tooltip, both drawn by Qt beside the icon, against
the call bar; then a real click (xdotool) on Resume while the tooltip is up.

Started by test_call_bar_clear.py in a subprocess (DISPLAY, QT_QPA_PLATFORM=xcb). Prints
one JSON line with the geometry it saw; saves a screenshot to argv[1].
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QPoint, QRect, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from companion.app.calls.service import CallRequest
from companion.app.compose import build_context
from companion.core.calls.grant import CaptureGrant
from companion.core.calls.recorder import RecorderStatus, SegmentSummary
from companion.core.calls.session import CallState
from companion.ui.shell.app import TrayApp

shot = Path(sys.argv[1])
# The rep's place for the bar: a little lower than the first-time place, under the
# tooltip's row (where the rep met both problems), and a long account widens it.
BAR_Y = 30
ACCOUNT = "Globex Corporation International Holdings"


class QuietRecorder:
    """Records nothing, refuses nothing: pause and resume without an audio peer."""

    def prepare(self) -> str | None:
        return None

    def open_capture(self, grant: CaptureGrant) -> Path:
        return shot.parent / "no-audio"

    def stop(self) -> SegmentSummary | None:
        return None

    def status(self) -> RecorderStatus:
        return RecorderStatus(True, 1.0, (-20.0, -20.0), 0.0, (0.0, 0.0), (), 0, None)


def fail(*error: object) -> None:
    traceback.print_exception(*error)  # type: ignore[call-overload]
    os._exit(3)


sys.excepthook = fail
app = QApplication([])
companion = TrayApp(build_context(recorder=QuietRecorder()), app.quit)
companion.show()
seen: dict[str, object] = {}


def box(rect: QRect) -> list[int]:
    return [rect.x(), rect.y(), rect.width(), rect.height()]


def on_screen(widget: QWidget) -> QRect:
    return QRect(widget.mapToGlobal(QPoint(0, 0)), widget.size())


def top_level(class_name: str) -> QWidget | None:
    for widget in QApplication.topLevelWidgets():
        if widget.isVisible() and widget.metaObject().className() == class_name:
            return widget
    return None


def wait_for(condition: Callable[[], object], then: Callable[[], None], what: str) -> None:
    """Polls every 25 ms for at most 20 s: a bounded wait, never a fixed sleep."""
    ticks = {"left": 800}

    def poll() -> None:
        if condition():
            then()
            return
        ticks["left"] -= 1
        if ticks["left"] <= 0:
            seen["timed_out"] = what
            finish()
            return
        QTimer.singleShot(25, poll)

    poll()


def docked() -> bool:
    """The tray host has embedded the icon (trayer sits at the top right)."""
    where = companion.tray.icon.geometry()
    return where.width() > 0 and where.x() > 0


def start() -> None:
    calls = companion.context.calls
    calls.start_call(CallRequest(ACCOUNT, "demo", "DE"))
    calls.mark_consent()
    calls.pause()
    wait_for(lambda: companion.call_windows.bar is not None, paused, "the call bar")


def paused() -> None:
    bar = companion.call_windows.bar
    assert bar is not None
    bar.move(bar.x(), BAR_Y)
    bar.refresh()
    seen["bar"] = box(bar.frameGeometry())
    seen["end"] = box(on_screen(bar.end_button))
    seen["resume"] = box(on_screen(bar.pause_button))
    seen["resume_words"] = bar.pause_button.text()
    companion.context.messages.warning(
        "Call ended in Microsoft Teams?",
        "End the call in the tray menu; it ends by itself in 2 min.",
    )
    wait_for(ours_shown, balloon_up, "the balloon")  # after any message before it


def ours_shown() -> bool:
    shown = companion.tray.shown
    return (
        shown is not None
        and shown.title.startswith("Call ended")
        and bool(top_level("QBalloonTip"))
    )


def balloon_up() -> None:
    balloon = top_level("QBalloonTip")
    assert balloon is not None
    seen["balloon"] = box(balloon.frameGeometry())
    seen["balloon_title"] = companion.tray.shown.title if companion.tray.shown else None
    tray = companion.tray
    tray.set_activity("Syncing 3 calls to the organisation (2 of 3, 40 %)", "sync")
    tray.set_activity("Transcribing Globex Corporation, 12 Dec (55 %)", "transcription")
    where = companion.tray.icon.geometry()  # on screen, as the tray host placed it
    seen["icon"] = box(where)
    subprocess.run(
        ["xdotool", "mousemove", str(where.center().x()), str(where.center().y())], check=True
    )
    wait_for(lambda: top_level("QTipLabel"), tooltip_up, "the tray tooltip")


def tooltip_up() -> None:
    tip = top_level("QTipLabel")
    assert tip is not None
    seen["tooltip"] = box(tip.frameGeometry())
    app.primaryScreen().grabWindow(0).save(str(shot))
    bar = companion.call_windows.bar
    assert bar is not None
    centre = bar.pause_button.mapToGlobal(bar.pause_button.rect().center())
    subprocess.run(  # one real click, through the X server's own hit-testing
        ["xdotool", "mousemove", str(centre.x()), str(centre.y()), "click", "1"], check=True
    )
    wait_for(resumed, finish, "Resume to take the click")


def resumed() -> bool:
    current = companion.context.calls.current
    return current is not None and current.state is not CallState.PAUSED


def finish() -> None:
    current = companion.context.calls.current
    seen["state_after_one_click"] = current.state.value if current else None
    print(json.dumps(seen), flush=True)
    if current is not None and current.state is not CallState.ENDED:
        companion.context.calls.end_call()
    companion.quit()


wait_for(docked, start, "the icon in the tray")
app.exec()
