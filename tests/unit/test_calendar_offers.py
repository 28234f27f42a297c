"""Which meeting a new call is for: the one in progress first, its account and call type."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from companion.core.calls.calendar import (
    Meeting,
    account_for,
    calendar_offers,
    call_type_for,
    domain_name,
    meetings_around,
)

NOW = datetime(2026, 12, 7, 9, 10, tzinfo=UTC)
KINDS = {"discovery": "Discovery call", "demo": "Demo", "renewal": "Renewal", "legal": "Legal"}


def meeting(title: str, start_min: int, minutes: int, *people: str) -> Meeting:
    start = NOW + timedelta(minutes=start_min)
    return Meeting(title, start, start + timedelta(minutes=minutes), people)


def test_the_meeting_in_progress_comes_first_then_the_next_starting_soon():
    later = meeting("Later today", 120, 30)
    soon = meeting("Soon", 20, 30)
    sooner = meeting("Sooner", 5, 30)
    running = meeting("Running", -10, 60)
    over = meeting("Over", -60, 30)
    just_started = meeting("Just started", -2, 30)
    picked = meetings_around([later, soon, over, running, sooner, just_started], NOW)
    assert [m.title for m in picked] == ["Just started", "Running", "Sooner", "Soon"]


def test_a_meeting_ends_at_its_end():
    ending = meeting("Ending", -30, 30)
    assert meetings_around([ending], NOW) == []


def test_a_known_account_named_in_the_title_is_the_account_the_longest_name_winning():
    weekly = meeting("ACME Bank: weekly sync", -5, 30)
    assert account_for(weekly, ["Acme", "Acme Bank", "Globex"]) == "Acme Bank"
    assert account_for(meeting("Acmeville review", -5, 30), ["Acme"]) is None  # whole words


def test_an_attendees_domain_names_the_account():
    demo = meeting("Product demo", 10, 30, "rep@seller.example", "bob@sales.globex.co.uk")
    assert domain_name("bob@sales.globex.co.uk") == "globex"
    assert domain_name("not an address") is None
    assert account_for(demo, ["Initech", "Globex Corporation"]) == "Globex Corporation"
    assert account_for(demo, ["GLOBEX"]) == "GLOBEX"
    assert account_for(demo, ["Initech"]) is None


def test_the_call_type_is_the_one_the_title_names_first():
    assert call_type_for(meeting("Acme: discovery, then demo", 0, 30), KINDS) == "discovery"
    assert call_type_for(meeting("Renewal talk", 0, 30), KINDS) == "renewal"
    assert call_type_for(meeting("Demonstration", 0, 30), KINDS) is None
    assert call_type_for(meeting("Lunch", 0, 30), KINDS) is None


def test_offers_fill_in_a_known_account_or_the_title_for_the_rep_to_correct():
    offers = calendar_offers(
        [meeting("Zeta intro", 15, 30), meeting("Acme renewal", -5, 30)],
        NOW,
        ["Acme"],
        KINDS,
    )
    assert [(o.in_progress, o.account, o.known_account, o.call_type) for o in offers] == [
        (True, "Acme", True, "renewal"),
        (False, "Zeta intro", False, None),
    ]
