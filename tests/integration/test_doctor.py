"""`companion doctor` against real peers: one line per check, exit 1 when it cannot record."""

from __future__ import annotations

import os
import re
import subprocess
import sys

CLASS_PATH = re.compile(r"\b[a-z_]+(\.[A-Za-z_]+)+\.[A-Z]\w+")  # keyring.backends.x.Keyring


def doctor(*flags: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "companion", "doctor", *flags],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_ready_with_keyring_and_sound_server(secret_service, pulse_testbed):
    done = doctor(QT_QPA_PLATFORM="offscreen")
    lines = done.stdout.splitlines()
    assert [line.split("]")[1].split(":")[0].strip() for line in lines[:5]] == [
        "desktop",
        "audio",
        "keyring",
        "data",
        "policy",
    ]
    assert (
        "will record both sides: your microphone (virtmic) and the call audio (spk.monitor)"
        in lines[1]
    )
    assert (
        lines[2]
        == "[ok  ] keyring: your login keyring (Secret Service) is unlocked and keeps secrets"
    )
    assert lines[5] == (
        "[ok  ] transcripts: faster-whisper, model whisper-base (bundled), language per call; "
        "runs of 4+ digits masked"
    )
    assert lines[-1] == "ready to record"
    assert done.returncode == 0, done.stdout
    assert not CLASS_PATH.search(done.stdout), done.stdout  # words, not Python names
    verbose = doctor("--verbose", QT_QPA_PLATFORM="offscreen").stdout
    assert (
        "keyring.backends.SecretService.Keyring" in verbose and "Qt platform 'offscreen'" in verbose
    )


def test_no_keyring_means_no_recording_and_says_how_to_fix(pulse_testbed):
    done = doctor(
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring", QT_QPA_PLATFORM="offscreen"
    )
    assert done.returncode == 1
    keyring_line = next(line for line in done.stdout.splitlines() if "keyring:" in line)
    assert keyring_line.startswith("[FAIL] keyring:") and "-> fix:" in keyring_line
    assert "recording impossible: keyring" in done.stdout
    assert not CLASS_PATH.search(done.stdout), done.stdout


def test_no_desktop_is_one_line_and_exit_2(companion_home):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["QT_QPA_PLATFORM"] = ""
    done = subprocess.run(
        [sys.executable, "-m", "companion"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "needs a desktop session" in lines[0], done.stderr
    report = doctor(QT_QPA_PLATFORM="", DISPLAY="", WAYLAND_DISPLAY="").stdout
    assert "[warn] desktop: Rep Companion needs a desktop session" in report


def test_kill_switch_is_reported(secret_service, pulse_testbed, companion_home):
    from companion.edges.paths import AppPaths
    from companion.edges.policy.files import default_policy_path

    paths = AppPaths.from_environment()
    paths.ensure()
    text = default_policy_path().read_text(encoding="utf-8")
    paths.policy_override.write_text(
        text.replace("recording_enabled = true", "recording_enabled = false"), encoding="utf-8"
    )
    done = doctor(QT_QPA_PLATFORM="offscreen")
    assert done.returncode == 1
    assert "[FAIL] policy: version 2026.11.1: recording switched off" in done.stdout
