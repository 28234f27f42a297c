"""The rep's calendar: an ICS address (http/https, or webcal) or a local .ics file, read
into `Meeting`s around a moment.

Blocking (a network read): callers run it off the GUI thread. A fetch gives up after
`TIMEOUT` seconds of silence, `WHOLE_READ` seconds in all, or at `MOST_BYTES`, so a
slow or huge answer cannot hang or fill the app. Nothing read here is kept: no cache
on disk, nothing in the store, nothing synced; the only trace is what the rep accepts
into a call's own details.
The address may carry a private token (many calendars' "secret address"), so what is
said to the rep and the log names only its host.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from companion.core.calls.calendar import Meeting
from companion.core.errors import UserFacingError

log = logging.getLogger(__name__)
TIMEOUT = 5.0  # seconds: connecting, and between bytes
WHOLE_READ = 15.0  # seconds for the whole answer: a server dripping bytes is given up on
MOST_BYTES = 4 * 1024 * 1024  # a year of a busy calendar is well under 1 MB
AROUND = timedelta(hours=12)  # meetings this far either side of the moment asked about


class CalendarError(UserFacingError):
    """The calendar could not be read: the one line the rep sees."""


@dataclass(frozen=True)
class CalendarSource:
    """Where the calendar is: `url` (http or https) or `path` (a local file)."""

    text: str
    url: str | None = None
    path: Path | None = None

    @property
    def shown(self) -> str:
        """What may be said about it: the host, or the file's path (never a token)."""
        if self.url is None:
            return str(self.path)
        return urlsplit(self.url).hostname or "the address"


def calendar_source(text: str) -> CalendarSource:
    """An http/https address (webcal:// is its subscription form) or a local file."""
    text = text.strip()
    scheme = urlsplit(text).scheme.lower()
    if scheme in ("http", "https"):
        return CalendarSource(text, url=text)
    if scheme in ("webcal", "webcals"):
        return CalendarSource(text, url="https" + text[len(scheme) :])
    if scheme == "file":
        return CalendarSource(text, path=Path(urlsplit(text).path))
    if scheme and len(scheme) > 1:  # not a Windows drive letter
        raise CalendarError(
            f"Calendar: '{scheme}:' addresses are not read.",
            "Give an http or https address, or a local .ics file.",
        )
    return CalendarSource(text, path=Path(text).expanduser())


def read_calendar(source: CalendarSource, around: datetime) -> list[Meeting]:
    """The timed meetings within `AROUND` of `around` (aware), recurrences expanded."""
    return parse_meetings(fetch(source), around - AROUND, around + AROUND, source.shown)


def fetch(source: CalendarSource) -> bytes:
    if source.path is not None:
        return _read_file(source.path)
    assert source.url is not None
    import httpx  # only when a calendar is set: kept off the tray's start-up

    host = source.shown
    try:
        with (
            httpx.Client(timeout=TIMEOUT, follow_redirects=True) as client,
            client.stream("GET", source.url) as response,
        ):
            if response.status_code >= 400:
                raise CalendarError(
                    f"Calendar not read: {host} answered {response.status_code}.",
                    "Check the address in Settings.",
                )
            data = bytearray()
            began = time.monotonic()
            for chunk in response.iter_bytes():
                data += chunk
                if len(data) > MOST_BYTES:
                    raise _too_big(host)
                if time.monotonic() - began > WHOLE_READ:
                    raise CalendarError(
                        f"Calendar not read: {host} took longer than {WHOLE_READ:g} s."
                    )
            return bytes(data)
    except httpx.TimeoutException as error:
        raise CalendarError(
            f"Calendar not read: {host} did not answer within {TIMEOUT:g} s."
        ) from error
    except httpx.HTTPError as error:
        raise CalendarError(
            f"Calendar not read: {host} could not be reached ({type(error).__name__}).",
            "Check the address and the network.",
        ) from error


def _read_file(path: Path) -> bytes:
    try:
        with path.open("rb") as file:
            data = file.read(MOST_BYTES + 1)
    except OSError as error:
        raise CalendarError(
            f"Calendar not read: {path}: {error.strerror or error}.",
            "Choose the .ics file again in Settings.",
        ) from error
    if len(data) > MOST_BYTES:
        raise _too_big(str(path))
    return data


def _too_big(where: str) -> CalendarError:
    return CalendarError(
        f"Calendar not read: {where} is larger than {MOST_BYTES // (1024 * 1024)} MB.",
        "Use an address for your own calendar only.",
    )


def parse_meetings(data: bytes, start: datetime, end: datetime, where: str) -> list[Meeting]:
    """Timed events between `start` and `end`; all-day ones are not calls."""
    import icalendar
    import recurring_ical_events

    try:
        calendar = icalendar.Calendar.from_ical(data)
        events = recurring_ical_events.of(calendar).between(start, end)
        meetings = [m for event in events if (m := _meeting(event)) is not None]
    except Exception as error:  # a third-party parser on any bytes: each failure is "bad"
        raise CalendarError(
            f"Calendar not read: {where} is not a calendar (ICS) file "
            f"({type(error).__name__}: {str(error)[:80]}).",
            "Check the address or file in Settings.",
        ) from error
    return meetings


def _meeting(event: Any) -> Meeting | None:
    start, end = event.get("DTSTART"), event.get("DTEND")
    if start is None:
        return None
    begins = start.dt
    if not isinstance(begins, datetime):  # an all-day event (a date)
        return None
    ends = end.dt if end is not None else begins + _duration(event)
    if isinstance(ends, date) and not isinstance(ends, datetime):
        return None
    people = [event.get("ORGANIZER"), *_as_list(event.get("ATTENDEE"))]
    return Meeting(
        title=str(event.get("SUMMARY", "")).strip(),
        start=_aware(begins),
        end=_aware(ends),
        people=tuple(_address(p) for p in people if p is not None),
    )


def _duration(event: Any) -> timedelta:
    duration = event.get("DURATION")
    return duration.dt if duration is not None else timedelta(0)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _address(person: Any) -> str:
    text = str(person)
    return text[len("mailto:") :] if text.lower().startswith("mailto:") else text


def _aware(moment: datetime) -> datetime:
    """A floating time (no zone) is this computer's local time, as calendars mean it."""
    return moment if moment.tzinfo is not None else moment.astimezone()
