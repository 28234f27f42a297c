"""The real app (`companion.ui.shell.start.run`) with its windows open, following the OS scheme.

Run by test_os_colour_scheme.py with QT_QPA_PLATFORMTHEME=xdgdesktopportal and a portal
peer on its session bus. Prints a JSON line at the start and after each change of
scheme: each open window's background colour and a pixel of the tray icon; quits once
it has switched to light.
"""

from __future__ import annotations

import json
import sys

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import QWidget

from companion.app.calls.service import CallRequest
from companion.edges.paths import AppPaths
from companion.ui.shell.app import TrayApp
from companion.ui.shell.start import run


def report(companion: TrayApp, windows: dict[str, QWidget]) -> None:
    colours = {
        name: window.palette().color(QPalette.ColorRole.Window).name()
        for name, window in windows.items()
    }
    tray = companion.tray.icon.icon().pixmap(32).toImage().pixelColor(16, 4).name()
    scheme = QGuiApplication.styleHints().colorScheme().name
    print(json.dumps({"scheme": scheme, "windows": colours, "tray": tray}), flush=True)


def started(companion: TrayApp) -> None:
    calls = companion.context.calls
    calls.start_call(CallRequest("Acme", "discovery", "DE"))
    if calls.current is not None and calls.current.state.value == "asking":
        calls.mark_decline()  # no keyring here: notes only either way
    windows: dict[str, QWidget] = {
        name: companion.open_window(name) for name in ("library", "policy", "settings")
    }
    assert companion.call_window is not None and companion.call_windows.bar is not None
    windows["call window"], windows["call bar"] = companion.call_window, companion.call_windows.bar
    report(companion, windows)

    def changed() -> None:  # after every slot (the Theme's, the tray's) has run
        report(companion, windows)
        if QGuiApplication.styleHints().colorScheme() is Qt.ColorScheme.Light:
            companion.quit()  # dark, then the switch to light: seen both

    QGuiApplication.styleHints().colorSchemeChanged.connect(
        lambda _scheme: QTimer.singleShot(50, changed)
    )


sys.exit(run(AppPaths.from_environment(), on_started=started))
