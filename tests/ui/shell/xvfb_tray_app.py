"""Run the real tray app on an X server with a tray host; right-click its icon.

Started by test_tray_host.py in a subprocess (DISPLAY, QT_QPA_PLATFORM=xcb, with the
PulseAudio testbed and the Secret Service peer in its environment). Prints one JSON
line with what it saw and writes screenshots to the folder in argv[1]: the tray menu,
the call bar recording, paused and notes only, the call window, review and library.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QSystemTrayIcon, QWidget

from companion.app.calls.service import CallRequest
from companion.app.compose import build_context
from companion.ui.calls.call_window import CallWindow
from companion.ui.review.review_window import ReviewWindow
from companion.ui.shell.app import TrayApp
from companion.ui.shell.gui_garbage import GuiThreadGarbage

shots = Path(sys.argv[1])
app = QApplication([])
garbage = GuiThreadGarbage(app)  # as run() does: collection on the GUI thread only
companion = TrayApp(build_context(), app.quit)  # the real recorder: REC is real
companion.show()
seen: dict[str, object] = {"tray_available": QSystemTrayIcon.isSystemTrayAvailable()}
deadline_ticks = {"left": 400}  # 400 x 25 ms: a bounded wait, never a fixed sleep


def save(name: str) -> None:
    app.primaryScreen().grabWindow(0).save(str(shots / f"{name}.png"))


def icon_window() -> str | None:
    """Our process's small, visible window: the icon the tray host embedded."""
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
        size = dict(line.split("=") for line in shape.split())
        if int(size.get("WIDTH", 999)) <= 64 and int(size.get("HEIGHT", 999)) <= 64:
            seen["icon_geometry"] = [int(size[k]) for k in ("X", "Y", "WIDTH", "HEIGHT")]
            return window
    return None


def click_icon() -> None:
    window = icon_window()
    deadline_ticks["left"] -= 1
    if window is None and deadline_ticks["left"] > 0:
        QTimer.singleShot(25, click_icon)
        return
    assert window is not None, "the tray icon never appeared"
    subprocess.run(["xdotool", "mousemove", "--window", window, "5", "5", "click", "3"], check=True)
    QTimer.singleShot(25, wait_for_menu)


def wait_for_menu() -> None:
    deadline_ticks["left"] -= 1
    if not companion.tray.menu.isVisible() and deadline_ticks["left"] > 0:
        QTimer.singleShot(25, wait_for_menu)
        return
    seen["menu_visible"] = companion.tray.menu.isVisible()
    seen["menu_items"] = [
        a.text() for a in companion.tray.menu.actions() if a.text() and a.isVisible()
    ]
    save("tray-menu")
    companion.tray.menu.hide()
    detect_a_call()


def detect_a_call() -> None:
    """A softphone-like client opens the microphone: the app's own watch notices it."""
    phone = subprocess.Popen(["parec", "--client-name=zoom", os.devnull], env=os.environ.copy())
    seen["phones"] = phone

    def offered(app_name: str) -> None:
        seen["offered"] = app_name
        QTimer.singleShot(400, prompt_shots)  # let the notification draw

    companion.prompt.offered.connect(offered)


def prompt_shots() -> None:
    save("call-prompt")
    companion.prompt.clicked()  # the notification, clicked: one window to start and ask
    dialog = companion.flow.dialog
    assert dialog is not None
    dialog.move(40, 40)
    QTimer.singleShot(300, lambda: start_dialog_shots(dialog))


def start_dialog_shots(quick: QWidget) -> None:
    quick.grab().save(str(shots / "quick-start.png"))
    seen["quick_start"] = type(quick).__name__
    quick.close()
    phone = seen.pop("phones")
    assert isinstance(phone, subprocess.Popen)
    phone.terminate()
    phone.wait(timeout=10)
    start = companion.flow.ask_details()  # Start call from the tray: the details, prefilled
    start.grab().save(str(shots / "start-call.png"))
    start.close()
    record_a_call()


def record_a_call() -> None:
    calls = companion.context.calls
    calls.start_call(CallRequest("Globex Corporation", "demo", "DE"))
    asking = companion.call_windows.bar
    assert asking is not None
    asking.grab().save(str(shots / "call-bar-asking.png"))
    seen["bar_asking"] = asking.badge.text()
    calls.mark_consent()
    seen["recorded_state"] = calls.current.state.value if calls.current else None
    QTimer.singleShot(600, bar_shots)


def bar_shots() -> None:
    calls = companion.context.calls
    bar = companion.call_windows.bar
    assert bar is not None
    bar.refresh()
    save("call-bar-screen")
    bar.grab().save(str(shots / "call-bar-rec.png"))
    seen["bar_rec"] = bar.badge.text()
    calls.pause()
    bar.refresh()
    bar.grab().save(str(shots / "call-bar-paused.png"))
    seen["bar_paused"] = bar.badge.text()
    calls.end_call()
    review = next(iter(companion.windows.values()))
    review.close()
    show_windows()


def show_windows() -> None:
    calls = companion.context.calls
    calls.start_call(CallRequest("Acme GmbH", "discovery", "DE"))
    calls.mark_decline()
    window = companion.call_window
    assert window is not None
    window.note.setText("Budget approved for Q3")
    window.mark("pain_point")
    window.mark("competitor_mention")
    window.move(40, 60)
    bar = companion.call_windows.bar
    assert bar is not None
    bar.refresh()
    bar.grab().save(str(shots / "call-bar-notes.png"))
    seen["bar_notes"] = bar.badge.text()
    QTimer.singleShot(300, lambda: finish(window))


def finish(window: CallWindow) -> None:
    save("call-window")
    window.grab().save(str(shots / "call-window-only.png"))
    calls = companion.context.calls
    assert calls.current is not None
    call_id = calls.current.details.call_id
    calls.end_call()  # the review window opens for the call just ended
    review = companion.windows[f"review:{call_id}"]
    assert isinstance(review, ReviewWindow)
    review.crm["next_steps"].setPlainText("Send pricing by Friday")
    review.grab().save(str(shots / "review.png"))
    library = companion.open_window("library")
    library.grab().save(str(shots / "library.png"))
    print(json.dumps(seen), flush=True)
    companion.quit()


QTimer.singleShot(0, click_icon)
app.exec()
