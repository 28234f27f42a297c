"""Run a service call off the GUI thread and hand its result back as a signal.

A failure crosses back as the exception object itself (as picard's `run_task` /
`to_main` do), so the GUI thread can tell the environment's fault (`UserFacingError`:
its message and fix) from a bug (logged here with its traceback, shown as unexpected).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from companion.core.errors import UserFacingError

log = logging.getLogger(__name__)


class _Relay(QObject):
    done = Signal(object)
    failed = Signal(object)  # the exception


class _Job(QRunnable):
    def __init__(self, work: Callable[[], object], relay: _Relay) -> None:
        super().__init__()
        self._work = work
        self._relay = relay

    def run(self) -> None:
        try:
            result = self._work()
        except UserFacingError as error:  # expected: the message is enough, no traceback
            log.warning("background job did not finish: %s", error)
            self._relay.failed.emit(error)
            return
        except Exception as error:  # a bug: the traceback goes to the log
            log.exception("background job failed")
            self._relay.failed.emit(error)
            return
        self._relay.done.emit(result)


def run_in_background(
    pool: QThreadPool,
    work: Callable[[], object],
    on_done: Callable[[object], None],
    on_failed: Callable[[BaseException], None],
    parent: QObject,
) -> _Relay:
    """Signals cross back to the GUI thread (queued), so callbacks may touch widgets."""
    relay = _Relay(parent)  # owned by `parent` until it has delivered its one result
    relay.done.connect(on_done)
    relay.failed.connect(on_failed)
    relay.done.connect(lambda _result: relay.deleteLater())
    relay.failed.connect(lambda _error: relay.deleteLater())
    pool.start(_Job(work, relay))
    return relay
