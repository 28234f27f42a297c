"""At 1280x800 and 1366x768 nothing a rep reads is clipped or off the screen.

Checked from widget geometry (tests/layout_check.py), in a subprocess whose offscreen
platform has a screen of exactly that size: the consent script for every region of the
default policy in its longest language (reached from a never-recorded call first, as a
rep switching in the quick start does), review, Settings and the library; and the consent
script again at a large font, where it must still be whole (it scrolls, never cuts).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent


def laid_out(tmp_path: Path, width: int, height: int, font_pt: int) -> dict:
    screen = {"width": width, "height": height, "x": 0, "y": 0, "name": "laptop"}
    config = tmp_path / f"screen-{width}.json"
    config.write_text(json.dumps({"screens": [screen | {"logicalDpi": 96, "dpr": 1}]}))
    env = os.environ | {
        "QT_QPA_PLATFORM": f"offscreen:configfile={config}",
        "COMPANION_HOME": str(tmp_path / f"home-{width}-{font_pt}"),
        "PYTHONPATH": str(HERE.parent.parent),  # tests/: layout_check
    }
    done = subprocess.run(
        [sys.executable, str(HERE / "layout_app.py"), str(font_pt)],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.parametrize("width,height", [(1280, 800), (1366, 768)])
def test_nothing_is_clipped_on_a_laptop_screen(tmp_path, width, height):
    report = laid_out(tmp_path, width, height, 10)
    assert report["screen"] == [width, height]
    checked = report["checked"]
    assert {"review", "settings", "library"} <= set(checked)
    assert sum(title.startswith("quick start") for title in checked) >= 9  # every region
    assert report["problems"] == []


def test_the_consent_script_is_whole_at_a_large_font(tmp_path):
    report = laid_out(tmp_path, 1366, 768, 16)
    consent = [p for p in report["problems"] if p.startswith(("quick start", "consent"))]
    assert consent == []
