"""Writes the store refused (a full disk, a locked file): kept in order, saved later.

A rep's notes and the call's own records must survive a disk that fills mid-call. A
write that fails with a `StoreError` is kept here, in memory and in order, and every
later write queues behind it (so the audit chain stays in order), until `retry`
finds room again. The rep is told once when saving stops and once when it resumes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from companion.app.messages import MessageChannel
from companion.edges.store.database import StoreError

log = logging.getLogger(__name__)


class UnsavedWrites:
    def __init__(self, messages: MessageChannel) -> None:
        self._messages = messages
        self._queue: list[tuple[str, Callable[[], object]]] = []
        self._kept = 0  # how many were queued in this outage

    @property
    def count(self) -> int:
        """How many writes wait for room (notes, moments, call events)."""
        return len(self._queue)

    def save(self, what: str, write: Callable[[], object]) -> bool:
        """Write now, or keep it for later; True when it reached the store."""
        if self._queue:  # earlier writes wait: keep the order
            self._keep(what, write)
            return False
        try:
            write()
        except StoreError as error:
            self._keep(what, write)
            self._messages.error(
                "Not saved yet",
                f"{error.message} Your notes and moments stay in Rep Companion and are "
                "saved as soon as there is room. " + error.fix,
            )
            return False
        return True

    def retry(self) -> int:
        """Write what waits, in order, until the store refuses again; returns what is left."""
        while self._queue:
            what, write = self._queue[0]
            try:
                write()
            except StoreError as error:
                log.info("still not saved (%s): %s", what, error)
                return len(self._queue)
            self._queue.pop(0)
        if self._kept:
            self._messages.info(
                "Saved", f"{self._kept} item(s) kept while saving failed are saved."
            )
            self._kept = 0
        return 0

    def _keep(self, what: str, write: Callable[[], object]) -> None:
        log.info("kept in memory until the store takes it: %s", what)
        self._queue.append((what, write))
        self._kept += 1
