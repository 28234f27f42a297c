"""Logging to a rotating file so support can read what happened, without filling the disk."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"


def configure_logging(log_file: Path, level: int = logging.INFO) -> logging.Handler:
    """Attach one rotating handler to the root logger (1 MB x 5 files)."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    for existing in root.handlers:  # building a second context must not double every line
        if getattr(existing, "baseFilename", None) == str(log_file.resolve()):
            return existing
    handler = logging.handlers.RotatingFileHandler(
        log_file, maxBytes=1_000_000, backupCount=5, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root.setLevel(level)
    root.addHandler(handler)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # noise per start
    return handler
