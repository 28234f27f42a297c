"""The start dialog's calendar prefill: the rep's meetings around now, as offers.

Blocking (it reads the calendar): the UI runs `look` off the GUI thread. A calendar that
cannot be read is one line, for Settings and the log; the start dialog then works as if
no calendar were set.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from companion.app.calls.history import CallHistory
from companion.core.calls.calendar import CalendarOffer, Meeting, calendar_offers
from companion.core.policy.model import Policy
from companion.edges.calendar import CalendarError, CalendarSource, calendar_source, read_calendar
from companion.edges.settings import SettingsFile

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CalendarLook:
    """What the calendar says now: the offers, or why it could not be read."""

    offers: list[CalendarOffer] = field(default_factory=list)
    problem: str | None = None  # one line
    meetings: int = 0  # read around now (within edges.calendar.AROUND)
    checked: bool = False  # False: no calendar is set


class CalendarPrefill:
    def __init__(
        self,
        settings: SettingsFile,
        history: CallHistory,
        policy: Callable[[], Policy | None],
        clock: Callable[[], datetime],
        read: Callable[[CalendarSource, datetime], list[Meeting]] = read_calendar,
    ) -> None:
        self._settings, self._history, self._policy = settings, history, policy
        self._clock, self._read = clock, read

    def is_set(self) -> bool:
        return bool(self._settings.load().calendar_source)

    def look(self) -> CalendarLook:
        text = self._settings.load().calendar_source
        if not text:
            return CalendarLook()
        now = self._clock()
        try:
            meetings = self._read(calendar_source(text), now)
        except CalendarError as error:
            log.warning("%s", error.shown())  # one line; the address's token never logged
            return CalendarLook(problem=error.shown(), checked=True)
        policy = self._policy()
        kinds = {key: kind.label for key, kind in policy.call_types.items()} if policy else {}
        offers = calendar_offers(meetings, now, self._history.accounts(), kinds)
        return CalendarLook(offers, meetings=len(meetings), checked=True)
