"""macOS: whether the microphone is in use, and by whom where macOS says.

`kAudioDevicePropertyDeviceIsRunningSomewhere` on the default input says whether any
process records; it flickers when a notification sound opens the device, so a change
counts only after it has held for `DEBOUNCE_SECONDS`. macOS 14.2+ also lists Core Audio's
process objects: those with `kAudioProcessPropertyIsRunningInput` name the apps (bundle
ids). Before that the user is "an app" (only a policy naming no app words misses it).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from companion.core.calls.detection import MicUser

log = logging.getLogger(__name__)
DEBOUNCE_SECONDS = 0.5
INTERVAL_SECONDS = 0.25
SOME_APP = MicUser("an app")


class MicHardware(Protocol):
    def running_somewhere(self) -> bool:
        """The default input is recording for some process; OSError when Core Audio fails."""
        ...

    def input_apps(self) -> list[MicUser] | None:
        """Apps recording now (not this process); None where macOS cannot say (< 14.2)."""
        ...


def _fourcc(code: str) -> int:
    return int.from_bytes(code.encode("ascii"), "big")


class CoreAudioMic:
    """The real hardware through pyobjc-framework-CoreAudio (imported when first asked)."""

    def running_somewhere(self) -> bool:
        device = self._get(1, "dIn ")  # kAudioHardwarePropertyDefaultInputDevice
        return bool(self._get(int(device), "gone"))  # ...DeviceIsRunningSomewhere

    def input_apps(self) -> list[MicUser] | None:
        try:
            processes = self._get(1, "prs#")  # kAudioHardwarePropertyProcessObjectList
        except OSError:
            return None  # before macOS 14.2
        users = []
        for process in processes if isinstance(processes, list | tuple) else []:
            if int(self._get(int(process), "ppid")) == os.getpid():
                continue
            if self._get(int(process), "piri"):  # kAudioProcessPropertyIsRunningInput
                bundle = str(self._get(int(process), "pbid") or "")
                users.append(MicUser(bundle.rsplit(".", 1)[-1] or bundle, bundle))
        return users

    @staticmethod
    def _get(owner: int, selector: str) -> Any:
        assert sys.platform == "darwin"
        import CoreAudio

        address = CoreAudio.AudioObjectPropertyAddress(_fourcc(selector), _fourcc("glob"), 0)
        status, _size, value = CoreAudio.AudioObjectGetPropertyData(
            owner, address, 0, None, 4096, None
        )
        if status != 0:
            raise OSError(f"Core Audio property {selector!r}: status {status}")
        return value


class MacMicWatch:
    def __init__(
        self,
        hardware: MicHardware,
        clock: Callable[[], float] = time.monotonic,
        debounce: float = DEBOUNCE_SECONDS,
        interval: float = INTERVAL_SECONDS,
    ) -> None:
        self._hardware, self._clock = hardware, clock
        self._debounce, self._interval = debounce, interval
        self._users: frozenset[MicUser] = frozenset()
        self._seen: tuple[bool, float] | None = None  # the raw state and since when
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def users(self) -> frozenset[MicUser]:
        with self._lock:
            return self._users

    def refresh(self) -> None:
        now = self._clock()
        try:
            running = self._hardware.running_somewhere()
        except OSError:
            log.warning("cannot see whether the microphone is in use", exc_info=True)
            running = False
        if self._seen is None or self._seen[0] != running:
            self._seen = (running, now)
        if now - self._seen[1] < self._debounce:
            return  # not held long enough to count (either way)
        found: frozenset[MicUser] = frozenset()
        if running:
            apps = self._hardware.input_apps()
            found = frozenset(apps) if apps is not None else frozenset({SOME_APP})
        with self._lock:
            self._users = found

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
