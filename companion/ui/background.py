"""Run a service call off the GUI thread and hand its result back as a signal."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)


class _Relay(QObject):
    done = Signal(object)
    failed = Signal(str)


class _Job(QRunnable):
    def __init__(self, work: Callable[[], object], relay: _Relay) -> None:
        super().__init__()
        self._work = work
        self._relay = relay

    def run(self) -> None:
        try:
            result = self._work()
        except Exception as error:  # reported to the rep, with the traceback in the log
            log.exception("background job failed")
            self._relay.failed.emit(str(error))
            return
        self._relay.done.emit(result)


def run_in_background(
    pool: QThreadPool,
    work: Callable[[], object],
    on_done: Callable[[object], None],
    on_failed: Callable[[str], None],
    parent: QObject,
) -> _Relay:
    """Signals cross back to the GUI thread (queued), so callbacks may touch widgets."""
    relay = _Relay(parent)  # owned by `parent` until it has delivered its one result
    relay.done.connect(on_done)
    relay.failed.connect(on_failed)
    relay.done.connect(lambda _result: relay.deleteLater())
    relay.failed.connect(lambda _reason: relay.deleteLater())
    pool.start(_Job(work, relay))
    return relay
