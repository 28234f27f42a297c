"""`companion doctor`: can this machine record a call, and if not, what fixes it?"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass

from companion.edges.audio.devices import AudioUnavailable
from companion.edges.audio.sources import plan_sources
from companion.edges.paths import AppPaths
from companion.edges.policy.files import load_active_policy

MIN_FREE_BYTES = 500 * 1024 * 1024  # about 8 hours of two-sided Opus, plus the store


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    blocks_recording: bool = True

    def line(self) -> str:
        status = "ok  " if self.ok else ("FAIL" if self.blocks_recording else "warn")
        fix = f" -> fix: {self.fix}" if (self.fix and not self.ok) else ""
        return f"[{status}] {self.name}: {self.detail}{fix}"


_QT_PROBE = (
    "from PySide6.QtWidgets import QApplication, QSystemTrayIcon\n"
    "app = QApplication([])\n"
    "print(app.platformName(), QSystemTrayIcon.isSystemTrayAvailable())\n"
)


def check_qt() -> CheckResult:
    """Start Qt in a child process: a missing platform plugin aborts the process."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", _QT_PROBE], capture_output=True, text=True, timeout=30
        )
    except subprocess.TimeoutExpired:
        return CheckResult("qt", False, "Qt did not start within 30 s", "check the display")
    if done.returncode != 0:
        return CheckResult("qt", False, *_qt_failure(done.stderr), blocks_recording=False)
    platform, tray = done.stdout.split()
    if tray != "True":
        return CheckResult(
            "qt",
            True,
            f"platform '{platform}', but no system tray: windows only",
            "start a tray host (e.g. a desktop panel) to see the tray icon",
            False,
        )
    return CheckResult("qt", True, f"platform '{platform}' with a system tray", "", False)


def _qt_failure(stderr: str) -> tuple[str, str]:
    display = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    if not display and not os.environ.get("QT_QPA_PLATFORM"):
        return (
            "no display: DISPLAY and WAYLAND_DISPLAY are unset",
            "run inside a desktop session",
        )
    lines = stderr.strip().splitlines() or ["no output"]
    reason = next((ln for ln in lines if "could not" in ln.lower()), lines[-1])
    fix = "install libxcb-cursor0 and libxkbcommon-x11-0; QT_DEBUG_PLUGINS=1 names what is missing"
    return f"Qt cannot start: {reason}", fix


def check_audio() -> CheckResult:
    """Which sides of a call would be recorded: the microphone and the call audio."""
    try:
        plan = plan_sources()
    except AudioUnavailable as error:
        return CheckResult(
            "audio",
            False,
            str(error),
            "connect a microphone or headset; on Linux install libportaudio2 and start "
            "PulseAudio or PipeWire",
        )
    if plan.mic is None:
        return CheckResult(
            "audio", False, f"will record {plan.explanation}", "connect a microphone"
        )
    if plan.far_end is None:
        return CheckResult(
            "audio",
            True,
            f"will record {plan.explanation}",
            "on Linux use PulseAudio/PipeWire; on Windows WASAPI loopback; on macOS BlackHole",
        )
    return CheckResult("audio", True, f"will record {plan.explanation}")


def check_keyring() -> CheckResult:
    from companion.edges.secrets import SecretStore, SecretStoreError

    store = SecretStore()
    status = store.status()
    if not status.secure:
        return CheckResult("keyring", False, f"{status.backend}: {status.problem}", status.fix)
    try:
        store.probe()
    except SecretStoreError as error:
        return CheckResult("keyring", False, str(error), getattr(error, "fix", ""))
    return CheckResult("keyring", True, f"{status.backend} (secure, unlocked)")


def check_data_dir(paths: AppPaths) -> CheckResult:
    try:
        paths.ensure()
        probe = paths.data_dir / ".doctor-probe"
        probe.write_bytes(b"ok")
        probe.unlink()
    except OSError as error:
        return CheckResult(
            "data", False, f"{paths.data_dir}: {error.strerror}", "check permissions"
        )
    free = shutil.disk_usage(paths.data_dir).free
    if free < MIN_FREE_BYTES:
        return CheckResult(
            "data",
            False,
            f"{paths.data_dir}: only {free // 2**20} MB free",
            "free at least 500 MB of disk space",
        )
    return CheckResult("data", True, f"{paths.data_dir} writable, {free // 2**30} GB free")


def check_policy(paths: AppPaths) -> CheckResult:
    active = load_active_policy(paths)
    if active.policy is None:
        assert active.error is not None
        problems = "; ".join(f"{p.field}: {p.message}" for p in active.error.problems)
        return CheckResult(
            "policy",
            False,
            f"{active.path}: {problems}",
            f"fix the policy, then run: companion policy check {active.path}",
        )
    if not active.policy.recording_enabled:
        return CheckResult(
            "policy",
            False,
            f"version {active.policy.version}: recording switched off",
            "the organisation's kill switch is on (recording_enabled = false)",
        )
    signed = "signed" if active.signed else "unsigned (no organisation key configured)"
    return CheckResult("policy", True, f"version {active.policy.version}, {signed}")


def run_checks(paths: AppPaths) -> list[CheckResult]:
    checks: list[Callable[[], CheckResult]] = [
        check_qt,
        check_audio,
        check_keyring,
        lambda: check_data_dir(paths),
        lambda: check_policy(paths),
    ]
    return [check() for check in checks]


def doctor(paths: AppPaths, out: Callable[[str], None] = print) -> int:
    """Print one line per check; exit status 1 when recording would be impossible."""
    results = run_checks(paths)
    for result in results:
        out(result.line())
    blocked = [r.name for r in results if not r.ok and r.blocks_recording]
    verdict = f"recording impossible: {', '.join(blocked)}" if blocked else "ready to record"
    out(f"{verdict} (environment: {os.environ.get('QT_QPA_PLATFORM', 'default')} Qt platform)")
    return 1 if blocked else 0
