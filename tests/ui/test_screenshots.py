"""The README's pictures cannot rot: the screenshot script runs here, on the real app."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from screenshots.make_screenshots import PICTURES, SCHEMES, driver_env, run_driver

MAX_BYTES = 150_000  # committed to git: pictures stay small


def distinct_colours(image: QImage, step: int = 3) -> int:
    return len(
        {
            image.pixel(x, y)
            for x in range(0, image.width(), step)
            for y in range(0, image.height(), step)
        }
    )


@pytest.mark.xvfb
@pytest.mark.usefixtures("pulse_testbed", "secret_service")
def test_the_screenshot_script_shows_every_screen_in_both_schemes(qapp, tray_display, tmp_path):
    out = Path(os.environ.get("COMPANION_SCREENSHOTS", tmp_path / "screenshots"))
    out.mkdir(parents=True, exist_ok=True)
    env = driver_env(dict(os.environ), tray_display)
    seen = {scheme: run_driver(out, scheme, env, tmp_path) for scheme in SCHEMES}
    for scheme in SCHEMES:
        assert sorted(seen[scheme]["pictures"]) == sorted(f"{p}-{scheme}.png" for p in PICTURES)
        for name in PICTURES:
            path = out / f"{name}-{scheme}.png"
            image = QImage(str(path))
            assert not image.isNull() and image.width() > 40, path
            assert distinct_colours(image) >= 12, f"{path.name} is blank"
            assert path.stat().st_size <= MAX_BYTES, path.name
        stderr = str(seen[scheme]["stderr"])
        assert "QWARN" not in stderr and "Warning" not in stderr, stderr
    light, dark = (QImage(str(out / f"library-{s}.png")) for s in SCHEMES)
    assert light.pixel(5, 5) != dark.pixel(5, 5)  # the dark pictures are dark
    # What a rep reads in each state: recording or not, in words, wherever they look.
    what = seen["light"]
    assert what["recorded_state"] == "recording"
    assert what["bar_recording"] == "● REC" and "Recording" in str(what["window_recording"])
    assert str(what["bar_paused"]).startswith("❚❚ PAUSED") and "not recording" in str(
        what["window_paused"]
    )
    assert what["bar_notes"] == "NOT RECORDING (notes only)"
    assert what["bar_blocked"] == "BLOCKED, not recording"
    assert "not recording" in str(what["window_notes"]) + str(what["window_blocked"])
