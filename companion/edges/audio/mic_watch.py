"""Who has the microphone open: the sound server says, without polling.

On Linux, `pactl subscribe` reports every new or removed source-output (a capture
stream); on each one the watch lists the capture streams once and keeps the apps that
record from a real input (not a speaker monitor), leaving out this process's own
streams and the sound server's modules. `users()` is read by the GUI's timer.
Elsewhere (no pactl) `NullMicWatch` sees nothing, and starting a call by hand works
as before.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import subprocess
import threading
from collections.abc import Callable
from typing import Protocol

from companion.core.calls.detection import MicUser
from companion.edges.audio.pulse_watch import follow, pactl_json, stream_properties, subscribe

log = logging.getLogger(__name__)


class MicWatch(Protocol):
    def start_watching(self) -> None: ...

    def stop(self) -> None: ...

    def users(self) -> frozenset[MicUser]: ...


class NullMicWatch:
    """A platform without a way to see the microphone's users: nothing is detected."""

    def start_watching(self) -> None:
        return None

    def stop(self) -> None:
        return None

    def users(self) -> frozenset[MicUser]:
        return frozenset()


class PulseMicWatch:
    def __init__(
        self,
        pid: int | None = None,
        query: Callable[..., list[dict[str, object]]] = pactl_json,
    ) -> None:
        self._pid, self._query = str(pid or os.getpid()), query
        self._users: frozenset[MicUser] = frozenset()
        self._lock = threading.Lock()
        self._process: subprocess.Popen[str] | None = None
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    @staticmethod
    def available() -> bool:
        return shutil.which("pactl") is not None

    def users(self) -> frozenset[MicUser]:
        with self._lock:
            return self._users

    def start_watching(self) -> None:
        self._thread = threading.Thread(target=self._run, name="mic-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        with self._lock:
            process = self._process
        if process is not None:
            with contextlib.suppress(OSError):
                process.terminate()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def refresh(self) -> None:
        """List the capture streams once (also what each server event triggers)."""
        monitors = {
            int(str(s["index"]))
            for s in self._query("list", "sources")
            if str(s.get("name", "")).endswith(".monitor")
        }
        users = set()
        for output in self._query("list", "source-outputs"):
            properties = stream_properties(output)
            name = properties.get("application.name", "")
            if not name or properties.get("application.process.id") == self._pid:
                continue  # a loopback module, or our own recording
            if int(str(output.get("source", -1))) in monitors:
                continue  # recording the speakers is not a call
            users.add(MicUser(name, properties.get("application.process.binary", "")))
        with self._lock:
            self._users = frozenset(users)

    def _run(self) -> None:
        try:
            with self._lock:
                if self._stopped.is_set():
                    return
                self._process = subscribe()
            self.refresh()
            follow(self._process, "on source-output", self.refresh)
        except (OSError, ValueError, subprocess.SubprocessError):
            log.warning("cannot watch the microphone for calls", exc_info=True)


def mic_watch() -> MicWatch:
    """The platform's watch: PulseAudio/PipeWire where pactl exists, else nothing."""
    return PulseMicWatch() if PulseMicWatch.available() else NullMicWatch()
