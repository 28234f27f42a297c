"""The tray host peer: Qt, on a real X server, sees a system tray."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

TRAY_AVAILABLE = """
from PySide6.QtWidgets import QApplication, QSystemTrayIcon
app = QApplication([])
print(QSystemTrayIcon.isSystemTrayAvailable())
"""


@pytest.mark.xvfb
def test_qt_sees_the_system_tray(tray_display: str, tmp_path: Path) -> None:
    runtime_dir = tmp_path / "runtime"
    runtime_dir.mkdir(mode=0o700)  # Qt warns about a missing or shared XDG_RUNTIME_DIR
    env = dict(
        os.environ, DISPLAY=tray_display, QT_QPA_PLATFORM="xcb", XDG_RUNTIME_DIR=str(runtime_dir)
    )

    result = subprocess.run(
        [sys.executable, "-c", TRAY_AVAILABLE],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True", result.stderr
    assert result.stderr == ""  # no Qt warnings
