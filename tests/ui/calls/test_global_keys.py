"""Ctrl+Alt+digit marks a moment while another X window has the focus (real Xvfb)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from peers import wait_until
from sqlalchemy import select

from companion.edges.store.models import MomentRecord

SCRIPT = Path(__file__).with_name("global_keys_app.py")


def xdotool(*args: str, env: dict[str, str]) -> str:
    done = subprocess.run(["xdotool", *args], env=env, capture_output=True, text=True, timeout=30)
    return done.stdout.strip()


@pytest.mark.xvfb
def test_a_moment_is_marked_while_another_window_has_the_focus(
    tray_display: str, tmp_path: Path, companion_home, make_context
) -> None:
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    env = dict(
        os.environ, DISPLAY=tray_display, QT_QPA_PLATFORM="xcb", XDG_RUNTIME_DIR=str(runtime)
    )
    app = subprocess.Popen(
        [sys.executable, str(SCRIPT)], env=env, stdout=subprocess.PIPE, text=True
    )
    other = subprocess.Popen(["xev", "-name", "meeting-app"], env=env, stdout=subprocess.DEVNULL)
    try:
        assert app.stdout is not None
        assert app.stdout.readline().strip() == "ready True"  # the keys were grabbed
        wait_until(
            lambda: bool(xdotool("search", "--name", "meeting-app", env=env)),
            what="the other window",
            timeout=10,
        )
        window = xdotool("search", "--name", "meeting-app", env=env).split()[0]
        xdotool("windowfocus", "--sync", window, env=env)
        assert xdotool("getwindowfocus", env=env) == window  # the app is not in front
        xdotool("key", "ctrl+alt+3", env=env)  # Pain point, a discovery call's tag
        context = make_context()

        def marked() -> list[str | None]:
            with context.store() as db:
                return list(db.scalars(select(MomentRecord.tag).order_by(MomentRecord.id)))

        wait_until(lambda: marked() == ["pain_point"], what="the moment", timeout=10)
        xdotool("key", "ctrl+alt+4", env=env)  # Objection: not a discovery tag, not marked
        xdotool("key", "ctrl+alt+1", env=env)
        wait_until(lambda: len(marked()) == 2, what="the second moment", timeout=10)
        assert marked() == ["pain_point", "discovery"]
        log = (companion_home / "logs" / "companion.log").read_text(encoding="utf-8")
        assert "Not marked: Ctrl+Alt+4 is “Objection”, which a Discovery call does not" in log
    finally:
        other.terminate()
        other.wait(timeout=10)
        app.send_signal(signal.SIGTERM)
        app.wait(timeout=30)
    assert app.returncode == 0
