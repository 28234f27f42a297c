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


def end_on_signals(parent: QObject, quit_app: Callable[[], None]) -> QSocketNotifier:
    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    signal.set_wakeup_fd(writer.fileno())
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda _number, _frame: None)  # the wake-up fd does the work
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read, parent)

    pair = (reader, writer)  # both ends stay open as long as the notifier's slot lives

    def woken(*_activation: object) -> None:
        try:
            pair[0].recv(64)
        except BlockingIOError:
            return
        quit_app()

    notifier.activated.connect(woken)
    return notifier
