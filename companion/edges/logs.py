"""Logging to a rotating file so support can read what happened, without filling the disk."""

from __future__ import annotations

import faulthandler
import logging
import logging.handlers
from pathlib import Path
from typing import TextIO

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"


class _LogFile(logging.handlers.RotatingFileHandler):
    """A log line that cannot be written (full disk) is dropped, never a traceback."""

    dropped = 0
    crash_file: TextIO | None = None  # where faulthandler writes; open for the process

    def handleError(self, record: logging.LogRecord) -> None:
        self.dropped += 1  # the disk is full or gone: go on


def _keep_fatal_errors(handler: _LogFile, crash_log: Path) -> None:
    """A crash in native code (PortAudio, FFmpeg) leaves every thread's stack in crash.log."""
    if faulthandler.is_enabled():  # the test runner's own, or an earlier context's
        return
    try:
        crash_file = crash_log.open("a", encoding="utf-8")
    except OSError:
        return
    handler.crash_file = crash_file
    faulthandler.enable(crash_file, all_threads=True)


def configure_logging(log_file: Path, level: int = logging.INFO) -> logging.Handler:
    """Attach one rotating handler to the root logger (1 MB x 5 files)."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    for existing in root.handlers:  # building a second context must not double every line
        if getattr(existing, "baseFilename", None) == str(log_file.resolve()):
            return existing
    handler = _LogFile(log_file, maxBytes=1_000_000, backupCount=5, encoding="utf-8")
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root.setLevel(level)
    root.addHandler(handler)
    _keep_fatal_errors(handler, log_file.with_name("crash.log"))
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # noise per start
    return handler
