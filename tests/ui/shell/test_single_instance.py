"""One app per profile: a second launch hands over to the first, which loses nothing.

Real processes: `python -m companion` twice on one COMPANION_HOME (offscreen Qt), and
for the recording case the tray app itself recording from PulseAudio with a real
keyring, while a second copy is launched beside it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from filelock import FileLock, Timeout
from peers import wait_until
from sqlalchemy import select

from companion.app.compose import build_context
from companion.edges.paths import AppPaths
from companion.edges.store.models import RecordingSegmentRecord

RECORDING_APP = """
import sys
from companion.app.calls.service import CallRequest
from companion.edges.paths import AppPaths
from companion.ui.shell.start import run

def started(companion):
    calls = companion.context.calls
    calls.start_call(CallRequest("Acme", "discovery", "DE"))
    calls.mark_consent()
    print(calls.current.state.value, flush=True)

sys.exit(run(AppPaths.from_environment(), on_started=started))
"""


def app_env() -> dict[str, str]:
    return {**os.environ, "QT_QPA_PLATFORM": "offscreen"}


def launch(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, *args],
        env=app_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def launch_again() -> subprocess.CompletedProcess[str]:
    """A second `companion` on the same profile, as a rep double-clicking the icon."""
    command = [sys.executable, "-m", "companion"]
    return subprocess.run(command, env=app_env(), capture_output=True, text=True, timeout=60)


def log_text(paths: AppPaths) -> str:
    return paths.log_file.read_text(encoding="utf-8") if paths.log_file.exists() else ""


def profile_taken(paths: AppPaths) -> bool:
    try:
        with FileLock(paths.data_dir / "app.lock", timeout=0):
            return False
    except Timeout:
        return True


def stop(app: subprocess.Popen[str]) -> None:
    """SIGTERM, as a session ending does; a process that ignores it fails the test, killed."""
    if app.poll() is None:
        app.send_signal(signal.SIGTERM)
    try:
        app.wait(timeout=30)
    except subprocess.TimeoutExpired:
        app.kill()
        app.wait(timeout=10)
        raise


def test_a_second_launch_hands_over_and_writers_wait_for_the_app(companion_home):
    paths = AppPaths.from_environment()
    first = launch("-m", "companion")
    try:
        wait_until(lambda: "Rep Companion is up" in log_text(paths), what="the app", timeout=30)
        assert profile_taken(paths)
        second = launch_again()
        assert second.returncode == 0, second.stderr
        assert "already running on this profile" in second.stdout
        wait_until(
            lambda: "another launch on this profile" in log_text(paths),
            what="the knock",
            timeout=10,
        )
        assert first.poll() is None  # the first app goes on
        recover = subprocess.run(
            [sys.executable, "-m", "companion", "recover"],
            env=app_env(),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert recover.returncode == 2
        lines = recover.stderr.strip().splitlines()
        assert len(lines) == 1 and "already running on this profile" in lines[0]
    finally:
        stop(first)
    assert first.returncode == 0, first.stderr
    assert not profile_taken(paths)  # SIGTERM ended it cleanly


@pytest.mark.usefixtures("secret_service", "pulse_testbed")
def test_a_second_launch_during_a_recording_loses_none_of_it(companion_home, tmp_path):
    paths = AppPaths.from_environment()
    script = tmp_path / "recording_app.py"
    script.write_text(RECORDING_APP, encoding="utf-8")
    first = launch(str(script))
    try:
        assert first.stdout is not None
        assert first.stdout.readline().strip() == "recording"
        began = time.monotonic()
        second = launch_again()
        assert second.returncode == 0, second.stderr
        while time.monotonic() - began < 4.0:
            time.sleep(0.1)
        assert first.poll() is None
    finally:
        stop(first)
    wall = time.monotonic() - began
    assert first.returncode == 0, first.stderr
    context = build_context(paths)
    with context.store() as db:
        (segment,) = db.scalars(select(RecordingSegmentRecord)).all()
    assert segment.state == "complete"
    assert abs(segment.frames / 48_000 - wall) < 2.0, (segment.frames / 48_000, wall)
    assert Path(segment.path).stat().st_size > 0
