"""The real app on a real X server with a tray host: icon docked, menu opens on a click."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).with_name("xvfb_tray_app.py")


@pytest.mark.xvfb
@pytest.mark.usefixtures("pulse_testbed", "secret_service")
def test_tray_icon_is_docked_and_its_menu_opens(tray_display: str, tmp_path: Path) -> None:
    runtime_dir = tmp_path / "runtime"
    runtime_dir.mkdir(mode=0o700)  # Qt warns about a missing or shared XDG_RUNTIME_DIR
    shots = Path(os.environ.get("COMPANION_SCREENSHOTS", tmp_path / "screenshots"))
    shots.mkdir(parents=True, exist_ok=True)
    env = dict(
        os.environ, DISPLAY=tray_display, QT_QPA_PLATFORM="xcb", XDG_RUNTIME_DIR=str(runtime_dir)
    )
    result = subprocess.run(
        [sys.executable, str(SCRIPT), str(shots)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["tray_available"] is True
    assert seen["icon_geometry"][2] > 0 and seen["icon_geometry"][3] > 0
    assert seen["menu_visible"] is True, seen
    assert seen["menu_items"][:2] == ["Start call…", "Ask for consent again…"]
    assert seen["menu_items"][-1] == "Quit"
    assert seen["offered"] == "zoom" and seen["quick_start"] == "QuickStartDialog"
    assert seen["recorded_state"] == "recording"
    assert seen["bar_asking"] == "ASKING, not recording yet"
    assert seen["bar_rec"] == "● REC"
    assert seen["bar_paused"].startswith("❚❚ PAUSED")
    assert seen["bar_notes"] == "NOT RECORDING (notes only)"
    for name in (
        "tray-menu",
        "call-prompt",
        "quick-start",
        "start-call",
        "call-bar-screen",
        "call-bar-asking",
        "call-bar-rec",
        "call-bar-paused",
        "call-bar-notes",
        "call-window",
        "review",
        "library",
    ):
        assert (shots / f"{name}.png").stat().st_size > 1000
    print(f"screenshots in {shots}")
    assert "QWARN" not in result.stderr and "Warning" not in result.stderr, result.stderr
