"""On a real X server with an XEmbed tray host, Qt's own balloon and tray tooltip keep
off the call bar: "Call ended?" never hides End, and the tooltip never takes the click
meant for Resume (one real click resumes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QRect

SCRIPT = Path(__file__).with_name("xvfb_call_bar_app.py")


def rect(box: list[int]) -> QRect:
    return QRect(*box)


@pytest.fixture(scope="module")
def seen(tray_display: str, tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("call-bar")
    runtime_dir = root / "runtime"
    runtime_dir.mkdir(mode=0o700)
    env = dict(
        os.environ,
        DISPLAY=tray_display,
        QT_QPA_PLATFORM="xcb",
        XDG_RUNTIME_DIR=str(runtime_dir),
        COMPANION_HOME=str(root / "home"),
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
    )
    shot = Path(os.environ.get("COMPANION_SCREENSHOTS", root)) / "call-bar-clear.png"
    result = subprocess.run(
        [sys.executable, str(SCRIPT), str(shot)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.xvfb
def test_the_call_ended_balloon_leaves_the_end_button_free(seen):
    assert "balloon" in seen, seen
    assert seen["balloon_title"] == "Call ended in Microsoft Teams?"
    assert not rect(seen["balloon"]).intersects(rect(seen["end"]))
    assert not rect(seen["balloon"]).intersects(rect(seen["bar"]))


@pytest.mark.xvfb
def test_the_tray_tooltip_keeps_off_the_bar_and_the_first_resume_click_resumes(seen):
    assert "tooltip" in seen, seen
    assert seen["resume_words"] == "Resume"
    assert not rect(seen["tooltip"]).intersects(rect(seen["resume"]))
    assert seen["state_after_one_click"] in ("consented", "recording")
