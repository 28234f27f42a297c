"""One channel for every message to the rep: logged with context, then shown.

Services and the core report through a `MessageChannel`; the UI subscribes once
(tray notification). Nothing else talks to the rep directly, so every message
the rep saw is also in the log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum


class Level(Enum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


_LOG_LEVELS = {Level.INFO: logging.INFO, Level.WARNING: logging.WARNING, Level.ERROR: logging.ERROR}


@dataclass(frozen=True)
class Message:
    level: Level
    title: str
    text: str
    context: dict[str, str] = field(default_factory=dict)


Listener = Callable[[Message], None]


class MessageChannel:
    def __init__(self, logger: logging.Logger | None = None) -> None:
        self._logger = logger or logging.getLogger("companion.app.messages")
        self._listeners: list[Listener] = []
        self.history: list[Message] = []

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def send(self, level: Level, title: str, text: str, **context: str) -> Message:
        message = Message(level, title, text, dict(context))
        self._logger.log(_LOG_LEVELS[level], "%s: %s %s", title, text, context or "")
        self.history.append(message)
        for listener in list(self._listeners):
            listener(message)
        return message

    def info(self, title: str, text: str, **context: str) -> Message:
        return self.send(Level.INFO, title, text, **context)

    def warning(self, title: str, text: str, **context: str) -> Message:
        return self.send(Level.WARNING, title, text, **context)

    def error(self, title: str, text: str, **context: str) -> Message:
        return self.send(Level.ERROR, title, text, **context)
