"""Which of the rep's meetings a new call is most likely for, and what to prefill from it.

I/O-free: the edge reads the calendar into `Meeting`s, this picks and maps them.

Around `now`: the meetings in progress come first (the one that started last first: a rep
running late into the next meeting is in the newer one), then those starting within
`SOON`, earliest first.

A meeting's account is one the rep already has calls with, found, in this order:
1. in the meeting's title, as whole words, case-insensitive (the longest such name wins,
   so "Acme Bank" beats "Acme");
2. by an organiser's or attendee's e-mail domain: the domain's name (`acme` in
   `jane@mail.acme.co.uk`) equal to the account's name squeezed to letters and digits
   ("Acme" or "ACME GmbH" -> `acme`/`acmegmbh`) or to its first word (`acme`).
With no known account the meeting's title is offered, for the rep to correct.
The call type is the policy's whose key or label (or the label's first word) is in the
title as whole words, the earliest in the title winning; none recognised: left as it was.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

SOON = timedelta(minutes=30)  # a meeting starting later than this is not "this call"
# Second-level labels under a country's code (`co.uk`, `com.au`): the name is one further in.
_SECOND_LEVEL = frozenset({"co", "com", "org", "net", "ac", "gov", "ne", "or"})


@dataclass(frozen=True)
class Meeting:
    title: str
    start: datetime  # aware
    end: datetime  # aware
    people: tuple[str, ...] = ()  # organiser's and attendees' e-mail addresses


@dataclass(frozen=True)
class CalendarOffer:
    """One meeting offered in the start dialog, with what it fills in."""

    meeting: Meeting
    in_progress: bool
    account: str  # a known account, else the meeting's title
    known_account: bool
    call_type: str | None  # a policy call type's key, when the title names one


def meetings_around(
    meetings: Iterable[Meeting], now: datetime, soon: timedelta = SOON
) -> list[Meeting]:
    """In progress (latest start first), then starting within `soon` (earliest first)."""
    listed = list(meetings)
    running = sorted(
        (m for m in listed if m.start <= now < m.end), key=lambda m: m.start, reverse=True
    )
    coming = sorted((m for m in listed if now < m.start <= now + soon), key=lambda m: m.start)
    return running + coming


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def _contains(haystack: str, needle: str) -> int:
    """Where `needle` is in `haystack` as whole words (both `_words`-normalised), or -1."""
    if not needle:
        return -1
    found = re.search(rf"(?<!\w){re.escape(needle)}(?!\w)", haystack)
    return found.start() if found else -1


def _squeezed(text: str) -> str:
    return "".join(re.findall(r"\w", text.casefold()))


def domain_name(address: str) -> str | None:
    """`acme` from `jane@sales.acme.co.uk`; None for what is not an address."""
    _, at, domain = address.strip().rpartition("@")
    labels = [label for label in domain.casefold().split(".") if label]
    if not at or len(labels) < 2:
        return None
    labels.pop()  # the top-level domain
    if len(labels) >= 2 and labels[-1] in _SECOND_LEVEL:
        labels.pop()
    return labels[-1]


def account_for(meeting: Meeting, accounts: Iterable[str]) -> str | None:
    """A known account the meeting is with (see the module's docstring), or None."""
    known = [a for a in accounts if a.strip()]
    title = _words(meeting.title)
    in_title = [a for a in known if _contains(title, _words(a)) >= 0]
    if in_title:
        return max(in_title, key=lambda a: len(_words(a)))
    names = {name for p in meeting.people if (name := domain_name(p))}
    for account in known:
        first = _words(account).split(" ")[0]
        if _squeezed(account) in names or first in names:
            return account
    return None


def call_type_for(meeting: Meeting, call_types: Mapping[str, str]) -> str | None:
    """The call type (key) the title names by key or label; `call_types`: key -> label."""
    title = _words(meeting.title)
    best: tuple[int, str] | None = None
    for key, label in call_types.items():
        spoken = _words(label)
        for name in {_words(key), spoken, spoken.split(" ")[0] if spoken else ""}:
            where = _contains(title, name)
            if where >= 0 and (best is None or where < best[0]):
                best = (where, key)
    return best[1] if best else None


def calendar_offers(
    meetings: Iterable[Meeting],
    now: datetime,
    accounts: Iterable[str],
    call_types: Mapping[str, str],
    soon: timedelta = SOON,
) -> list[CalendarOffer]:
    """The meetings around `now`, in the order offered, each with its prefill."""
    known = list(accounts)
    offers = []
    for meeting in meetings_around(meetings, now, soon):
        account = account_for(meeting, known)
        offers.append(
            CalendarOffer(
                meeting,
                in_progress=meeting.start <= now,
                account=account or meeting.title.strip(),
                known_account=account is not None,
                call_type=call_type_for(meeting, call_types),
            )
        )
    return offers
