"""A second launch on the same profile brings the running app forward and exits.

The running app listens on a local socket named after its profile (Linux: the
abstract namespace, so no file is left behind; elsewhere a socket file in the temp
folder); a new launch first knocks there. The profile lock (`edges.profile_lock`) is
what makes it safe; the socket lets the second launch hand the rep over instead of
just refusing. Plain `socket` and a QSocketNotifier: QtNetwork would cost 3 MB idle.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import socket
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QSocketNotifier

from companion.edges.profile_lock import ProfileInUse, ProfileLock

log = logging.getLogger(__name__)
KNOCK = b"show\n"
CONNECT_SECONDS = 1.0
STARTING_SECONDS = 8.0  # how long an app that holds the profile may take to answer


def address(data_dir: Path) -> str:
    digest = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:16]
    if sys.platform.startswith("linux"):
        return f"\0rep-companion-{digest}"
    return str(Path(tempfile.gettempdir()) / f"rep-companion-{digest}.sock")


def knock(data_dir: Path) -> bool:
    """Ask a running app on this profile to come forward; True if one answered."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as door:
        door.settimeout(CONNECT_SECONDS)
        try:
            door.connect(address(data_dir))
            door.sendall(KNOCK)
        except OSError:  # refused, not there, or timed out: nobody is listening
            return False
    return True


def claim_profile(data_dir: Path, lock: ProfileLock, patience: float = STARTING_SECONDS) -> bool:
    """Take the profile (True), or hand over to the app that has it (False).

    An app that holds the lock but does not answer yet is still starting: knock again
    for a few seconds before calling it stuck (then ProfileInUse says so).
    """
    deadline = time.monotonic() + patience
    while True:
        if knock(data_dir):
            return False
        try:
            lock.acquire("a second copy of the app")
        except ProfileInUse:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
            continue
        return True


class InstanceServer(QObject):
    """Listens for later launches; `come_forward` runs on the GUI thread for each."""

    def __init__(self, data_dir: Path, come_forward: Callable[[], None]) -> None:
        super().__init__()
        self._come_forward = come_forward
        self._where = address(data_dir)
        self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._socket.setblocking(False)
        if not self._where.startswith("\0"):
            Path(self._where).unlink(missing_ok=True)  # left by a killed app (we hold the lock)
        try:
            self._socket.bind(self._where)
            self._socket.listen(4)
        except OSError as error:
            log.warning("second launches cannot reach this app: %s", error)
        self.notifier = QSocketNotifier(self._socket.fileno(), QSocketNotifier.Type.Read, self)
        self.notifier.activated.connect(self._knocked)

    def _knocked(self, *_activation: object) -> None:
        while True:
            try:
                connection, _ = self._socket.accept()
            except (BlockingIOError, OSError):
                break
            connection.close()
        log.info("another launch on this profile: bringing the app forward")
        self._come_forward()

    def close(self) -> None:
        self.notifier.setEnabled(False)
        self._socket.close()
        if not self._where.startswith("\0"):
            with contextlib.suppress(OSError):
                Path(self._where).unlink()
