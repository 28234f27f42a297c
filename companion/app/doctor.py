"""`companion doctor`: can this machine record a call, and if not, what fixes it?"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from companion.edges.audio.devices import AudioUnavailable
from companion.edges.audio.sources import plan_sources
from companion.edges.desktop import NO_DESKTOP, NO_DESKTOP_FIX, no_desktop
from companion.edges.paths import AppPaths
from companion.edges.policy.files import load_active_policy
from companion.edges.policy.trust import trust_anchor

MIN_FREE_BYTES = 500 * 1024 * 1024  # about 8 hours of two-sided Opus, plus the store


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str  # in the rep's and the IT admin's words
    fix: str = ""
    blocks_recording: bool = True
    technical: str = ""  # class paths, platform names: shown with --verbose only

    def line(self, verbose: bool = False) -> str:
        status = "ok  " if self.ok else ("FAIL" if self.blocks_recording else "warn")
        fix = f" -> fix: {self.fix}" if (self.fix and not self.ok) else ""
        extra = f" [{self.technical}]" if verbose and self.technical else ""
        return f"[{status}] {self.name}: {self.detail}{fix}{extra}"


# What a keyring backend is, in words (its class path is for --verbose).
KEYRING_WORDS = {
    "keyring.backends.SecretService.Keyring": "your login keyring (Secret Service)",
    "keyring.backends.kwallet.DBusKeyring": "KWallet",
    "keyring.backends.macOS.Keyring": "the macOS Keychain",
    "keyring.backends.Windows.WinVaultKeyring": "Windows Credential Manager",
    "keyring.backends.fail.Keyring": "no keyring",
    "keyring.backends.null.Keyring": "a keyring that keeps nothing",
}


def keyring_words(backend: str) -> str:
    return KEYRING_WORDS.get(backend, "the configured keyring")


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
        detail, fix = _qt_failure(done.stderr)
        return CheckResult("desktop", False, detail, fix, blocks_recording=False)
    platform, tray = done.stdout.split()
    technical = f"Qt platform '{platform}'"
    if tray != "True":
        return CheckResult(
            "desktop",
            True,
            "the app's windows work, but the desktop has no system tray to hold its icon",
            "start a tray host (e.g. a desktop panel) to see the tray icon",
            False,
            technical,
        )
    return CheckResult(
        "desktop", True, "the desktop and its system tray work", "", False, technical
    )


def _qt_failure(stderr: str) -> tuple[str, str]:
    if no_desktop():
        return NO_DESKTOP, NO_DESKTOP_FIX
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
    words, technical = keyring_words(status.backend), f"backend {status.backend}"
    if not status.secure:
        problem = (status.problem or "").replace(status.backend, words)
        return CheckResult("keyring", False, problem, status.fix, technical=technical)
    try:
        store.probe()
    except SecretStoreError as error:
        said = error.message.replace(status.backend, words)
        return CheckResult("keyring", False, said, error.fix, technical=technical)
    return CheckResult(
        "keyring", True, f"{words} is unlocked and keeps secrets", technical=technical
    )


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


def check_privacy(paths: AppPaths, found: list[Path]) -> CheckResult:
    """Others who can read the profile can read the rep's accounts, notes and CRM fields.

    `found`: what was readable by others before the other checks made the folders.
    """
    from companion.edges.privacy import readable_by_others, tighten

    if not found and not readable_by_others(paths.folders):
        return CheckResult("privacy", True, "your data is readable by you only")
    tighten(paths.folders)
    left = readable_by_others(paths.folders)
    if left:
        return CheckResult(
            "privacy",
            False,
            f"your data is readable by other users of this computer ({len(left)} files or "
            f"folders, e.g. {left[0]})",
            f"chmod -R go-rwx {left[0].parent if left[0].is_file() else left[0]}",
            blocks_recording=False,
        )
    return CheckResult(
        "privacy",
        True,
        f"your data was readable by other users of this computer ({len(found)} files or "
        "folders); now readable by you only",
    )


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
    anchor = trust_anchor(paths)
    signed = "signed" if active.signed else "unsigned"
    if active.path == anchor.managed_policy:
        where = f"installed by IT at {active.path}"
    elif active.path == paths.policy_override:
        where = f"from {active.path}"
    else:
        where = f"the built-in default; the organisation's goes to {paths.policy_override}"
    ignored = (
        f"; ignored (IT's key and policy win): {', '.join(map(str, anchor.ignored))}"
        if anchor.ignored
        else ""
    )
    return CheckResult(
        "policy",
        True,
        f"version {active.policy.version}, {signed}, {where}; {anchor.describe()}{ignored}",
    )


def check_transcription(paths: AppPaths) -> CheckResult:
    """Which engine transcribes calls, its model and language; loaded for real."""
    import numpy as np

    from companion.app.transcripts.worker import engine_for
    from companion.core.errors import UserFacingError
    from companion.edges.settings import SettingsFile

    policy = load_active_policy(paths).policy
    if policy is not None and not policy.transcription.enabled:
        return CheckResult("transcripts", True, "off (the policy says so)", blocks_recording=False)
    try:
        engine = engine_for(policy, SettingsFile(paths.settings_file))
        engine.transcribe(np.zeros(1600, dtype=np.int16), lambda _fraction: None)
        engine.unload()
    except UserFacingError as error:
        return CheckResult(
            "transcripts", False, error.message, error.fix or "", blocks_recording=False
        )
    info = engine.info
    rule = policy.transcription.redact_digit_runs if policy else None
    masked = f"; runs of {rule}+ digits masked" if rule else ""
    return CheckResult(
        "transcripts",
        True,
        f"{info.name}, model {info.model}, language {info.language}{masked}",
        blocks_recording=False,
    )


def check_sync_target(paths: AppPaths) -> CheckResult:
    """Where calls go (IT's managed target first) and whether the store protects them."""
    from companion.core.errors import UserFacingError
    from companion.edges.managed import load_managed
    from companion.edges.secrets import SecretStore
    from companion.edges.settings import SettingsFile
    from companion.edges.sync.configured import target_from_settings

    try:
        managed = load_managed(paths.system_config)
        settings = SettingsFile(paths.settings_file).load()
    except UserFacingError as error:
        return CheckResult("sync", False, error.message, error.fix, blocks_recording=False)
    managed_rules = managed.target.rules() if managed.target else None
    policy = load_active_policy(paths).policy
    organisation = policy.sync.target if policy else None
    target = target_from_settings(settings, SecretStore(), organisation, managed_rules)
    if target is None:
        return CheckResult(
            "sync", False, "no folder or bucket to deliver calls to", "see Settings > Sync",
            blocks_recording=False,
        )  # fmt: skip
    report = target.test_connection()
    fix = "see docs/admin.md (the store's rights)" if report.missing else ""
    return CheckResult(
        "sync",
        report.ok and not report.missing,
        report.words(),
        fix,
        blocks_recording=False,
        technical=type(target).__name__,
    )


def run_checks(paths: AppPaths) -> list[CheckResult]:
    from companion.edges.privacy import readable_by_others

    before = readable_by_others(paths.folders)  # check_data_dir tightens while it makes them
    checks: list[Callable[[], CheckResult]] = [
        check_qt,
        check_audio,
        check_keyring,
        lambda: check_data_dir(paths),
        lambda: check_policy(paths),
        lambda: check_transcription(paths),
        lambda: check_privacy(paths, before),
        lambda: check_sync_target(paths),
    ]
    return [check() for check in checks]


def doctor(paths: AppPaths, out: Callable[[str], None] = print, verbose: bool = False) -> int:
    """Print one line per check; exit status 1 when recording would be impossible."""
    results = run_checks(paths)
    for result in results:
        out(result.line(verbose))
    blocked = [r.name for r in results if not r.ok and r.blocks_recording]
    out(f"recording impossible: {', '.join(blocked)}" if blocked else "ready to record")
    if verbose:
        out(f"QT_QPA_PLATFORM={os.environ.get('QT_QPA_PLATFORM', '(unset)')}; {sys.executable}")
    return 1 if blocked else 0
