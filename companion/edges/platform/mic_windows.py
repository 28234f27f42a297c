"""Windows: who holds the microphone, from Core Audio's capture sessions (pycaw).

Each app recording from the default microphone has an active audio session on it; its
process names the app. Where Core Audio cannot be asked (a COM error, a locked-down
session), the privacy ConsentStore keys under HKCU say the same for every app: one with
`LastUsedTimeStop == 0` is using the microphone now. This process's own recording is
left out. Neither gives events cheaply, so a thread asks once a second.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from pathlib import PureWindowsPath
from typing import Protocol

from companion.core.calls.detection import MicUser
from companion.edges.platform.registry import Registry

log = logging.getLogger(__name__)
CONSENT_STORE = (
    r"Software\Microsoft\Windows\CurrentVersion\CapabilityAccessManager\ConsentStore\microphone"
)
AUDIO_SESSION_ACTIVE = 1  # AudioSessionState.AudioSessionStateActive
INTERVAL_SECONDS = 1.0


class CaptureSessions(Protocol):
    def active(self) -> list[MicUser]:
        """Apps with an active session on the microphone; OSError when Core Audio refuses."""
        ...


class PycawSessions:
    """The real sessions through pycaw/comtypes (imported when first asked, on Windows)."""

    def active(self) -> list[MicUser]:
        assert sys.platform == "win32"  # checked by `mypy --platform win32`
        import comtypes
        import psutil
        from pycaw.pycaw import AudioUtilities, IAudioSessionControl2, IAudioSessionManager2

        comtypes.CoInitialize()
        try:
            microphone = AudioUtilities.GetMicrophone()
            if microphone is None:
                return []
            manager = microphone.Activate(
                IAudioSessionManager2._iid_, comtypes.CLSCTX_ALL, None
            ).QueryInterface(IAudioSessionManager2)
            sessions = manager.GetSessionEnumerator()
            users = []
            for index in range(sessions.GetCount()):
                control = sessions.GetSession(index).QueryInterface(IAudioSessionControl2)
                pid = int(control.GetProcessId())
                if control.GetState() != AUDIO_SESSION_ACTIVE or pid in (0, os.getpid()):
                    continue
                try:
                    process = psutil.Process(pid)
                    users.append(MicUser(process.name(), process.exe()))
                except psutil.Error:
                    users.append(MicUser(f"process {pid}"))
            return users
        except comtypes.COMError as error:
            raise OSError(f"Core Audio: {error}") from error
        finally:
            comtypes.CoUninitialize()


def consent_store_users(registry: Registry, own_program: str) -> list[MicUser]:
    """Apps the privacy settings show as using the microphone now (PermissionError: no)."""
    users = []
    for folder in (CONSENT_STORE, CONSENT_STORE + r"\NonPackaged"):
        for name in registry.subkeys("HKCU", folder) or []:
            values = registry.values("HKCU", f"{folder}\\{name}") or {}
            if name == "NonPackaged" or values.get("LastUsedTimeStop", 1) != 0:
                continue
            if folder.endswith("NonPackaged"):  # C:#Program Files#Zoom#bin#Zoom.exe
                program = name.replace("#", "\\")
                if program.lower() == own_program.lower():
                    continue
                users.append(MicUser(PureWindowsPath(program).stem, program))
            else:  # a packaged app: Microsoft.SkypeApp_kzf8qxf38zg5c
                users.append(MicUser(name.split("_")[0], name))
    return users


class WindowsMicWatch:
    def __init__(
        self,
        sessions: CaptureSessions,
        registry: Registry,
        own_program: str = sys.executable,
        interval: float = INTERVAL_SECONDS,
    ) -> None:
        self._sessions, self._registry = sessions, registry
        self._own, self._interval = own_program, interval
        self._users: frozenset[MicUser] = frozenset()
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self.method = "none"  # which of the two answered last: for doctor and the log

    def users(self) -> frozenset[MicUser]:
        with self._lock:
            return self._users

    def refresh(self) -> None:
        try:
            found, method = self._sessions.active(), "capture sessions"
        except OSError as refused:
            log.info("Core Audio sessions unavailable (%s): reading the ConsentStore", refused)
            try:
                found, method = consent_store_users(self._registry, self._own), "ConsentStore"
            except OSError:
                log.warning("cannot see who uses the microphone", exc_info=True)
                found, method = [], "none"
        with self._lock:
            self._users, self.method = frozenset(found), method

    def start_watching(self) -> None:
        self._stopped.clear()
        self._thread = threading.Thread(target=self._run, name="mic-watch", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        self.refresh()
        while not self._stopped.wait(self._interval):
            self.refresh()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
