"""Sessions, accounts and failed sign-ins live in the service's database: they end when
they should, and several service processes on one PostgreSQL database agree on them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher

from companion.core.errors import UserFacingError
from companion.desk.edges.database import open_database
from companion.desk.web.signin.accounts import Accounts, SignInRefused, TooManyAttempts, migrate
from companion.desk.web.signin.sessions import Sessions
from companion.desk.web.signin.tables import AccountRow

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def web_tables(url: str):
    db = open_database(url)
    migrate(db.kw["bind"])
    return db


def test_a_session_ends_when_idle_too_long_after_twelve_hours_and_at_sign_out(tmp_path):
    db = web_tables(str(tmp_path / "desk.db"))
    sessions = Sessions(db, idle=timedelta(minutes=30))
    browser = sessions.start(T0, "reviewer:dana")
    for minutes in range(29, 29 * 25, 29):  # a click every 29 minutes keeps it alive...
        assert sessions.load(browser.token, T0 + timedelta(minutes=minutes)) is not None
    assert sessions.load(browser.token, T0 + timedelta(hours=12, minutes=1)) is None  # ...12 h
    idle = sessions.start(T0, "reviewer:dana")
    assert sessions.load(idle.token, T0 + timedelta(minutes=31)) is None
    assert sessions.load(idle.token, T0 + timedelta(minutes=32)) is None  # and stays ended
    ended = sessions.start(T0, "reviewer:dana")
    sessions.end(ended.token, T0 + timedelta(minutes=1))
    assert sessions.load(ended.token, T0 + timedelta(minutes=2)) is None
    assert sessions.load("not-a-token", T0) is None


def test_a_password_is_kept_only_as_an_argon2_hash(tmp_path):
    db = web_tables(str(tmp_path / "desk.db"))
    Accounts(db, CHEAP).add("dana", "correct horse battery", "reviewer:dana", T0)
    with db() as session:
        row = session.get(AccountRow, "dana")
    assert row is not None and row.password_hash.startswith("$argon2id$")
    assert "correct horse battery" not in row.password_hash
    with pytest.raises(UserFacingError, match="12 characters"):
        Accounts(db).add("short", "too short", "reviewer:dana", T0)


def test_two_service_processes_on_one_postgresql_database_agree(postgres):
    url = postgres.new_database()
    one, two = web_tables(url), web_tables(url)  # migrating twice is a no-op
    Accounts(one, CHEAP).add("dana", "correct horse battery", "reviewer:dana", T0)
    assert Accounts(two).check("dana", "correct horse battery", "10.0.0.1", T0) == "reviewer:dana"
    browser = Sessions(one, timedelta(minutes=30)).start(T0, "reviewer:dana")
    assert Sessions(two, timedelta(minutes=30)).load(browser.token, T0).person == "reviewer:dana"
    Sessions(two, timedelta(minutes=30)).end(browser.token, T0)
    assert Sessions(one, timedelta(minutes=30)).load(browser.token, T0) is None
    for n in range(5):  # wrong passwords, alternating between the two processes
        with pytest.raises(SignInRefused):
            Accounts((one, two)[n % 2]).check("dana", f"wrong {n}", "10.0.0.2", T0)
    with pytest.raises(TooManyAttempts):
        Accounts(one).check("dana", "correct horse battery", "10.0.0.3", T0)
