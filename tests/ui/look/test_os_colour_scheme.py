"""The app follows the desktop's colour scheme the way Linux desktops publish it.

GNOME and KDE publish the rep's light or dark choice through the XDG desktop portal;
Qt's xdgdesktopportal platform theme reads it and emits colorSchemeChanged. Here a
portal peer on a private bus plays the desktop: the real app starts dark, the rep
switches to light, and every open window and the tray icon follow, live.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from peers import read_line, require, spawn, stop
from peers.portal import running_portal

from companion.ui.look.theme import DARK, LIGHT

SCRIPT = Path(__file__).with_name("scheme_app.py")


@pytest.fixture
def session_bus(tmp_path):
    require("dbus-daemon")
    folder = tmp_path / "bus"
    folder.mkdir()
    command = ["dbus-daemon", "--session", "--nofork", "--print-address=1"]
    bus = spawn(
        [*command, f"--address=unix:dir={folder}"],
        log=tmp_path / "bus.log",
        stdout=subprocess.PIPE,
    )
    try:
        assert bus.stdout is not None
        yield read_line(bus.stdout.fileno(), what="dbus-daemon address")
    finally:
        stop(bus)


def next_report(app: subprocess.Popen[str], scheme: str) -> dict:
    """The app's next report in `scheme` (reports from before it are skipped)."""
    assert app.stdout is not None
    for line in app.stdout:
        report = json.loads(line)
        if report["scheme"] == scheme:
            return report
    said = app.stderr.read() if app.stderr else ""
    raise AssertionError(f"the app ended without a {scheme} report: {said}")


def test_open_windows_follow_the_desktops_switch_from_dark_to_light(session_bus, tmp_path):
    with running_portal(session_bus, "dark", tmp_path / "portal.log") as portal:
        env = dict(
            os.environ,
            DBUS_SESSION_BUS_ADDRESS=session_bus,
            QT_QPA_PLATFORM="offscreen",
            QT_QPA_PLATFORMTHEME="xdgdesktopportal",
        )
        app = subprocess.Popen(
            [sys.executable, str(SCRIPT)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            first = next_report(app, "Dark")  # the portal's answer arrives after start-up
            portal.set_scheme("light")  # the rep switches the desktop to light
            second = next_report(app, "Light")
            app.wait(timeout=30)
        finally:
            if app.poll() is None:
                app.kill()
    assert first["scheme"] == "Dark"
    assert set(first["windows"].values()) == {DARK.window}, first
    assert second["scheme"] == "Light"
    assert set(second["windows"].values()) == {LIGHT.window}, second
    assert first["tray"] != second["tray"]  # the tray icon is drawn again for light
