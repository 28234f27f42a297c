"""`companion doctor` against real peers: one line per check, exit 1 when it cannot record."""

from __future__ import annotations

import os
import subprocess
import sys


def doctor(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "companion", "doctor"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_ready_with_keyring_and_sound_server(secret_service, pulse_testbed):
    done = doctor(QT_QPA_PLATFORM="offscreen")
    lines = done.stdout.splitlines()
    assert [line.split("]")[1].split(":")[0].strip() for line in lines[:5]] == [
        "qt",
        "audio",
        "keyring",
        "data",
        "policy",
    ]
    assert (
        "will record both sides: your microphone (virtmic) and the call audio (spk.monitor)"
        in lines[1]
    )
    assert lines[2].startswith("[ok  ] keyring: keyring.backends.SecretService.Keyring")
    assert lines[-1].startswith("ready to record")
    assert done.returncode == 0, done.stdout


def test_no_keyring_means_no_recording_and_says_how_to_fix(pulse_testbed):
    done = doctor(
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring", QT_QPA_PLATFORM="offscreen"
    )
    assert done.returncode == 1
    keyring_line = next(line for line in done.stdout.splitlines() if "keyring:" in line)
    assert keyring_line.startswith("[FAIL] keyring:") and "-> fix:" in keyring_line
    assert "recording impossible: keyring" in done.stdout


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
