"""Start-up: the tray icon comes first, the app is built right after, and a start that
fails still ends with its reason, not an icon that never gets a menu.

Real processes (offscreen Qt) running `companion.ui.shell.start.run` on a fresh profile.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

DRIVER = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QSystemTrayIcon
from companion.edges.paths import AppPaths
from companion.ui.shell.start import run

shown = []
plain_show = QSystemTrayIcon.show
closer = []

def show(icon):
    if not shown:  # what had loaded when the rep first saw the icon
        loaded = [name for name in ("sqlalchemy", "pydantic") if name in sys.modules]
        print("icon shown; loaded:", ",".join(loaded) or "nothing heavy", flush=True)
        closer.append(QTimer())
        closer[0].timeout.connect(close_questions)
        closer[0].start(200)
    shown.append(icon)
    plain_show(icon)

QSystemTrayIcon.show = show

def close_questions():  # a modal box ("cannot start") is answered, as a rep would
    box = QApplication.activeModalWidget()
    if box is not None:
        box.close()

def started(companion):
    print("up; same icon:", companion.tray.icon is shown[0], flush=True)
    print("menu:", companion.tray.icon.contextMenu() is not None, flush=True)
    QTimer.singleShot(0, companion.quit)

if "--crash" in sys.argv:
    import companion.app.compose as compose
    def broken(*_args, **_kwargs):
        raise RuntimeError("a bug in the wiring")
    compose.build_context = broken
sys.exit(run(AppPaths.from_environment(), started))
"""


def start_app(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "start_app.py"
    script.write_text(DRIVER, encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run(
        [sys.executable, str(script), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_icon_shows_before_the_database_and_policy_load_and_stays(companion_home, tmp_path):
    done = start_app(tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "icon shown; loaded: nothing heavy"
    assert "up; same icon: True" in lines  # one icon from the start: no second one appears
    assert "menu: True" in lines


def test_a_database_that_cannot_be_opened_stops_the_start_with_its_reason(companion_home, tmp_path):
    data = companion_home / "data"
    data.mkdir(parents=True)
    (data / "companion.db").write_bytes(b"not a database, whatever the name says" * 100)
    done = start_app(tmp_path)
    assert done.returncode == 2
    assert "up;" not in done.stdout
    assert "Traceback" not in done.stderr
    # Offscreen Qt adds its own warnings; the app says one line, with the file in it.
    said = [line for line in done.stderr.splitlines() if line.startswith("Rep Companion")]
    assert len(said) == 1, done.stderr
    assert said[0].startswith("Rep Companion cannot start: ")
    assert "companion.db" in said[0]


def test_a_crash_while_building_ends_the_app_with_the_traceback(companion_home, tmp_path):
    done = start_app(tmp_path, "--crash")
    assert done.returncode == 1  # not an icon left without a menu, waiting forever
    assert "up;" not in done.stdout
    assert "RuntimeError: a bug in the wiring" in done.stderr
