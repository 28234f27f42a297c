"""The library on a real SQLite file: FTS5 search over notes, filters, rows as shown."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from companion.app.calls.service import CallRequest
from companion.app.library.search import LibraryQuery, delete_on, fts_query, search_calls
from companion.app.review.service import ReviewService

SQL = "'); DROP TABLE calls; --"


class SettableClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def context(make_context):
    return make_context(clock=SettableClock())


@pytest.fixture
def policy(context):
    return context.active_policy().policy


@pytest.fixture
def review(context):
    return ReviewService(context.store, context.active_policy, context.rep)


def make_call(context, account, call_type, day, *moments, decline=True):
    context.clock.now = datetime(2026, 11, day, 9, 0, tzinfo=UTC)
    session = context.calls.start_call(CallRequest(account, call_type, "DE", "en"))
    if session.state.value == "asking":
        (context.calls.mark_decline if decline else context.calls.mark_consent)("en")
    for tag, note in moments:
        context.calls.mark_moment(tag, note)
    context.calls.end_call()
    return session.details.call_id


@pytest.fixture
def calls(context, review):
    ids = {
        "acme": make_call(
            context,
            "Acme GmbH",
            "discovery",
            2,
            ("pain_point", "Pricing is too high"),
            decline=False,
        ),
        "globex": make_call(context, "Globex", "demo", 5, ("objection", "Wants SSO überall")),
        "initech": make_call(context, "Initech", "legal", 9),
        "unicode": make_call(
            context, "Umbrella", "renewal", 12, ("renewal_risk", "价格太高 שלום 😀")
        ),
    }
    review.crm.set_crm_field(ids["initech"], "next_steps", "Send the contract redlines")
    review.crm.set_human_nuance(ids["globex"], "CFO seemed nervous about budget")
    review.crm.set_crm_field(ids["unicode"], "risks", SQL)
    review.moments.edit_note(
        review.moments.for_call(ids["unicode"])[0].id, "价格太高 שלום 😀 <b>x</b>"
    )
    return ids


def found(context, policy, **query) -> list[str]:
    return [row.call_id for row in search_calls(context.store, LibraryQuery(**query), policy)]


def test_every_call_is_listed_newest_first_with_its_library_columns(context, policy, calls):
    rows = search_calls(context.store, LibraryQuery(), policy)
    assert [r.call_id for r in rows] == [
        calls["unicode"],
        calls["initech"],
        calls["globex"],
        calls["acme"],
    ]
    acme = rows[-1]
    assert (acme.account, acme.call_type, acme.call_type_label) == (
        "Acme GmbH",
        "discovery",
        "Discovery call",
    )
    assert acme.outcome == "consented" and acme.outcome_reason  # no recorder: consent, notes only
    assert acme.tags == ("Pain point",)
    assert acme.sync_state == "local" and acme.ready_to_sync is False
    assert acme.started_at.date() == date(2026, 11, 2)
    assert acme.delete_on is None  # no audio kept: the library shows no deletion date
    assert delete_on(policy, "discovery", acme.started_at) == date(2026, 12, 2)  # 30 days
    initech = rows[1]
    assert initech.outcome == "blocked" and "never recorded" in initech.outcome_reason
    assert initech.tags == ()
    assert initech.delete_on is None
    # no retention rule: the shortest (14 days)
    assert delete_on(policy, "legal", initech.started_at) == date(2026, 11, 23)
    assert search_calls(context.store, LibraryQuery(), None)[0].delete_on is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pricing", ["acme"]),
        ("PRIC", ["acme"]),  # prefix, any case
        ("acme pricing", ["acme"]),  # words may come from different places in one call
        ("acme sso", []),
        ("uberall", ["globex"]),  # diacritics folded
        ("nervous", ["globex"]),  # human nuance
        ("redlines", ["initech"]),  # CRM field text
        ("objection", ["globex"]),  # tag label
        ("价格太高", ["unicode"]),
        ("שלום", ["unicode"]),
        ("DROP TABLE", ["unicode"]),
        (SQL, ["unicode"]),
        ("<b>x</b>", ["unicode"]),
    ],
)
def test_full_text_search_covers_account_notes_tags_crm_and_nuance(
    context, policy, calls, text, expected
):
    assert found(context, policy, text=text) == [calls[name] for name in expected]


@pytest.mark.parametrize(
    "text",
    [
        '"',
        "*",
        "NEAR(",
        "a OR",
        "OR",
        "AND NOT",
        '"unbalanced',
        "col:umn",
        "^x",
        "(((",
        "😀",
        "- -",
        "'",
        ";",
        "\\",
        "NEAR(a b, 2)",
        "\x00",
    ],
)
def test_no_input_makes_search_fail(context, policy, calls, text):
    rows = search_calls(context.store, LibraryQuery(text=text), policy)
    assert isinstance(rows, list)


def test_fts_query_quotes_every_word():
    assert fts_query('a "b" NEAR(') == '"a"* """b"""* "NEAR("*'
    assert fts_query('" * --') is None
    assert fts_query("") is None


def test_filters_by_tag_call_type_outcome_and_date_range(context, policy, calls):
    assert found(context, policy, tags=["objection"]) == [calls["globex"]]
    assert found(context, policy, tags=["objection", "pain_point"]) == [
        calls["globex"],
        calls["acme"],
    ]
    assert found(context, policy, call_types=["legal", "demo"]) == [
        calls["initech"],
        calls["globex"],
    ]
    assert found(context, policy, outcomes=["declined"]) == [calls["unicode"], calls["globex"]]
    assert found(context, policy, date_from=date(2026, 11, 5), date_to=date(2026, 11, 9)) == [
        calls["initech"],
        calls["globex"],
    ]
    assert found(context, policy, date_to=date(2026, 11, 2)) == [calls["acme"]]
    assert found(context, policy, text="nervous", outcomes=["blocked"]) == []
    assert found(context, policy, text="budget", call_types=["demo"], tags=["objection"]) == [
        calls["globex"]
    ]
    assert len(found(context, policy, limit=2)) == 2


def test_edits_and_deletions_are_searchable_at_once(context, policy, calls, review):
    moment = review.moments.for_call(calls["acme"])[0]
    review.moments.edit_note(moment.id, "Budget frozen until spring")
    assert found(context, policy, text="pricing") == []
    assert found(context, policy, text="spring") == [calls["acme"]]
    review.moments.delete_moment(moment.id)
    assert found(context, policy, text="spring") == []
    assert search_calls(context.store, LibraryQuery(), policy)[-1].tags == ()


def test_a_tag_a_newer_policy_dropped_still_shows_in_the_library(context, policy, calls, review):
    review.moments.remember_tag_labels(calls["unicode"])
    newer = policy.model_copy(
        update={"tags": {k: v for k, v in policy.tags.items() if k != "renewal_risk"}}
    )
    row = search_calls(context.store, LibraryQuery(tags=["renewal_risk"]), newer)[0]
    assert row.tags == ("Renewal risk",)


def test_a_large_note_is_searchable(context, policy, review):
    call_id = make_call(context, "Big", "demo", 3, (None, "filler " * 15_000 + "needle"))
    assert len(review.moments.for_call(call_id)[0].note) > 100_000
    assert found(context, policy, text="needle") == [call_id]


def test_calls_from_before_migration_0003_get_a_review_row_and_are_searchable(tmp_path):
    import shutil

    from sqlalchemy import text as sql

    from companion.edges.store.database import MIGRATIONS, open_store

    older = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, older)
    for later in (older / "versions").glob("000[3-9]_*.py"):
        later.unlink()
    path = tmp_path / "c.db"
    with open_store(path, migrations=older).begin() as db:
        db.execute(
            sql(
                "INSERT INTO calls VALUES ('c1','Acme','demo','DE','rep','1','ended','declined',"
                "'','2026-01-01 09:00:00.000000','2026-01-01 09:30:00.000000')"
            )
        )
        db.execute(
            sql(
                "INSERT INTO moments (call_id, offset_ms, tag, note, had_audio, created_at) "
                "VALUES ('c1', 0, 'objection', 'legacy remark', 0, '2026-01-01')"
            )
        )
    store = open_store(path)
    rows = search_calls(store, LibraryQuery(text="legacy"), None)
    assert [(r.call_id, r.sync_state, r.ready_to_sync, r.tags) for r in rows] == [
        ("c1", "local", False, ("objection",))
    ]
    assert len(list(tmp_path.glob("c.db.before-*.bak"))) == 1
