"""SIGTERM and SIGINT end the app as the Quit item does: the call ends, capture closes.

Python runs a signal handler only when the interpreter gets control, which Qt's event
loop does not give it while idle; the wake-up fd turns the signal into a socket event
that Qt does watch.
"""

from __future__ import annotations

import signal
import socket
from collections.abc import Callable

from PySide6.QtCore import QObject, QSocketNotifier


class SignalWaker(QObject):
    """Owns both ends of the wake-up socket pair for as long as the app runs.

    The caller must keep it: if the sockets were collected, the next signal would hit a
    closed wake-up fd (EBADF) instead of quitting.
    """

    def __init__(self, quit_app: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._quit_app = quit_app
        self.reader, self.writer = socket.socketpair()
        self.reader.setblocking(False)
        self.writer.setblocking(False)
        signal.set_wakeup_fd(self.writer.fileno())
        for number in (signal.SIGTERM, signal.SIGINT):
            signal.signal(number, lambda _number, _frame: None)  # the wake-up fd does the work
        self.notifier = QSocketNotifier(self.reader.fileno(), QSocketNotifier.Type.Read, self)
        self.notifier.activated.connect(self._woken)

    def _woken(self, *_activation: object) -> None:
        try:
            self.reader.recv(64)
        except BlockingIOError:
            return
        self._quit_app()

    def close(self) -> None:
        signal.set_wakeup_fd(-1)
        self.notifier.setEnabled(False)
        self.reader.close()
        self.writer.close()


def end_on_signals(parent: QObject, quit_app: Callable[[], None]) -> SignalWaker:
    return SignalWaker(quit_app, parent)
