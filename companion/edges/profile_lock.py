"""One Rep Companion per profile: the tray app holds the profile's lock for its life.

A second app on the same profile would record beside the first and, at its start-up,
"recover" the first one's live recordings. The lock is an OS file lock (filelock), so
it goes with the process however it ends, SIGKILL included; the command-line verbs
that rewrite recordings take it too, and refuse while the app runs.
"""

from __future__ import annotations

from pathlib import Path

from filelock import FileLock, Timeout

from companion.core.errors import UserFacingError

LOCK_NAME = "app.lock"


class ProfileInUse(UserFacingError):
    """Another process (the tray app, or a command) has this profile."""


class ProfileLock:
    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self._lock = FileLock(data_dir / LOCK_NAME)

    @property
    def held(self) -> bool:
        return self._lock.is_locked

    def acquire(self, what: str) -> None:
        """Take the profile for `what` now, or raise ProfileInUse (never wait)."""
        try:
            self._lock.acquire(timeout=0)
        except Timeout as error:
            raise ProfileInUse(
                f"Rep Companion is already running on this profile, so {what} cannot start.",
                "Use the running app (its tray icon), or quit it from the tray menu first.",
            ) from error

    def release(self) -> None:
        if self._lock.is_locked:
            self._lock.release()
