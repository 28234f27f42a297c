"""Small conversions for display: times, durations, call ids. Text stays text (the
templates autoescape); nothing here builds HTML."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from companion.desk.web.desk import NotFound


def when(value: str | datetime | None) -> str:
    """ "7 Dec 2026, 14:02 UTC" from an ISO text or a datetime."""
    if not value:
        return ""
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    except ValueError:
        return str(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return f"{moment.day} {moment:%b %Y, %H:%M} UTC"


def clock(ms: int | float | None) -> str:
    """ "1:05" (or "1:02:05") from milliseconds into the call."""
    seconds = int((ms or 0) // 1000)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def day_start(text: str | None, *, after: bool = False) -> datetime | None:
    """Midnight UTC of a YYYY-MM-DD date (the next midnight with `after`), or None."""
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return datetime.combine(day + timedelta(days=1 if after else 0), time(0), tzinfo=UTC)


CALL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,118}$")


def call_id(value: str) -> str:
    """`call-<id>`; anything else than an id's characters is no call at all."""
    if not CALL_ID.match(value):
        raise NotFound("There is no such call among the calls you may see.")
    return value if value.startswith("call-") else f"call-{value}"
