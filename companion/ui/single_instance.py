"""A second launch on the same profile brings the running app forward and exits.

The running app listens on a local socket named after its profile; a new launch
first knocks there. The profile lock (`edges.profile_lock`) is what makes it safe;
the socket is what lets the second launch hand the rep over instead of just refusing.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from companion.edges.profile_lock import ProfileInUse, ProfileLock

log = logging.getLogger(__name__)
KNOCK = b"show\n"
CONNECT_MS = 1000
STARTING_SECONDS = 8.0  # how long an app that holds the profile may take to answer


def server_name(data_dir: Path) -> str:
    digest = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:16]
    return f"rep-companion-{digest}"


def knock(data_dir: Path) -> bool:
    """Ask a running app on this profile to come forward; True if one answered."""
    socket = QLocalSocket()
    socket.connectToServer(server_name(data_dir))
    if not socket.waitForConnected(CONNECT_MS):
        return False
    socket.write(KNOCK)
    socket.flush()
    socket.waitForBytesWritten(CONNECT_MS)
    socket.disconnectFromServer()
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
        self.server = QLocalServer(self)
        name = server_name(data_dir)
        QLocalServer.removeServer(name)  # a socket file left by a killed app
        if not self.server.listen(name):
            log.warning("second launches cannot reach this app: %s", self.server.errorString())
        self.server.newConnection.connect(self._knocked)

    def _knocked(self) -> None:
        while self.server.hasPendingConnections():
            connection = self.server.nextPendingConnection()
            connection.disconnected.connect(connection.deleteLater)
        log.info("another launch on this profile: bringing the app forward")
        self._come_forward()
