"""Reviewing a call on a real SQLite file: moments, CRM fields, nuance, readiness, audit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from companion.app.calls.service import CallRequest
from companion.app.review.crm import NotReadyToSync
from companion.app.review.records import ReviewError
from companion.app.review.service import ReviewService
from companion.core.policy.active import ActivePolicy
from companion.edges.store import audit
from companion.edges.store.models import MomentRecord

REQUIRED = ["Qualification details", "Next steps", "Timeline", "Risks"]
SQL = "'); DROP TABLE calls; --"
MARKUP = "<b>x</b> **bold** [link](javascript:alert(1))"
UNICODE = "Preis zu hoch 😬 — שלום עולם — مرحبا — 价格太高了 — e\u0301"


class SteppingClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def context(make_context):
    return make_context(clock=SteppingClock())  # COMPANION_HOME: a fresh folder per test


@pytest.fixture
def review(context):
    return ReviewService(context.store, context.active_policy, context.rep, SteppingClock())


def ended_call(context, *moments: tuple[str | None, str]) -> str:
    session = context.calls.start_call(CallRequest("Acme GmbH", "discovery", "DE", "en"))
    context.calls.mark_decline("en")
    for tag, note in moments:
        context.calls.mark_moment(tag, note)
    context.calls.end_call()
    return session.details.call_id


def kinds(context) -> list[str]:
    with context.store() as db:
        return [entry["kind"] for entry in audit.entries(db)]


def fill_required(review, call_id):
    for key in ("qualification", "next_steps", "timeline", "risks"):
        review.crm.set_crm_field(call_id, key, f"{key} text")


def test_moments_are_listed_with_policy_labels_and_can_be_edited_and_retagged(context, review):
    call_id = ended_call(context, ("pain_point", "too pricey"), (None, "follow up"))
    first, second = review.moments.for_call(call_id)
    assert (first.tag, first.tag_label, first.tag_color) == ("pain_point", "Pain point", "#e67e22")
    assert second.tag is None and second.tag_label is None
    assert first.offset_ms < second.offset_ms

    edited = review.moments.edit_note(first.id, "far too pricey")
    assert edited.note == "far too pricey" and edited.updated_at is not None
    retagged = review.moments.retag(second.id, "competitor_mention")
    assert (retagged.tag_label, retagged.tag_color) == ("Competitor mention", "#8e44ad")
    assert [m.note for m in review.moments.for_call(call_id)] == ["far too pricey", "follow up"]
    assert review.moments.retag(second.id, None).tag is None
    with pytest.raises(ReviewError, match="no tag 'nonsense'"):
        review.moments.retag(second.id, "nonsense")


def test_deleting_a_moment_is_an_audit_event_without_the_note_text(context, review):
    call_id = ended_call(context, ("objection", "secret remark"), (None, "keep"))
    doomed = review.moments.for_call(call_id)[0]
    review.moments.delete_moment(doomed.id)
    assert [m.note for m in review.moments.for_call(call_id)] == ["keep"]
    with context.store() as db:
        entry = next(e for e in audit.entries(db) if e["kind"] == "moment.deleted")
        assert audit.verify(db) == []
    assert entry["call_id"] == call_id
    assert entry["payload"] == {
        "moment_id": doomed.id,
        "offset_ms": doomed.offset_ms,
        "tag": "objection",
    }
    assert "secret remark" not in str(entry)
    with pytest.raises(ReviewError, match="deleted"):
        review.moments.delete_moment(doomed.id)


def test_a_tag_dropped_by_a_newer_policy_still_shows_its_old_label(context, review):
    call_id = ended_call(context, ("pain_point", "n1"), ("objection", "n2"))
    # Labels are stored when a moment is marked and when it is retagged.
    review.moments.retag(review.moments.for_call(call_id)[1].id, "renewal_risk")
    assert review.moments.remember_tag_labels(call_id) == 0  # nothing left to fill in
    old = context.active_policy()
    newer = old.policy.model_copy(
        update={
            "tags": {
                k: v for k, v in old.policy.tags.items() if k not in {"pain_point", "renewal_risk"}
            }
        }
    )
    later = ReviewService(
        context.store, lambda: ActivePolicy(old.path, newer, None, False), context.rep
    )
    shown = [(m.tag, m.tag_label, m.tag_color) for m in later.moments.for_call(call_id)]
    assert shown == [
        ("pain_point", "Pain point", "#e67e22"),
        ("renewal_risk", "Renewal risk", "#d35400"),
    ]
    with pytest.raises(ReviewError):
        later.moments.retag(
            later.moments.for_call(call_id)[0].id, "pain_point"
        )  # not offered any more


def test_an_unknown_tag_without_a_stored_label_falls_back_to_its_key(context, review):
    call_id = ended_call(context, ("vanished_tag", "note"))
    moment = review.moments.for_call(call_id)[0]
    assert moment.tag_label == "vanished_tag" and moment.tag_color


def test_required_crm_fields_gate_ready_to_sync(context, review):
    call_id = ended_call(context, (None, "hello"))
    assert review.crm.missing_crm_fields(call_id) == REQUIRED
    with pytest.raises(NotReadyToSync) as refused:
        review.crm.mark_ready(call_id)
    assert refused.value.missing == REQUIRED
    assert all(label in str(refused.value) for label in REQUIRED)

    review.crm.set_crm_field(call_id, "next_steps", "   ")  # blank is still missing
    review.crm.set_crm_field(call_id, "competitive_dynamics", "optional only")
    assert review.crm.missing_crm_fields(call_id) == REQUIRED
    fill_required(review, call_id)
    assert review.crm.missing_crm_fields(call_id) == []
    review.crm.mark_ready(call_id)
    state = review.review(call_id)
    assert state.ready_to_sync and state.sync_state == "local" and state.missing == []
    assert kinds(context).count("call.ready_to_sync") == 1

    review.crm.set_crm_field(call_id, "risks", "")  # emptying a required field un-readies
    assert review.review(call_id).ready_to_sync is False
    assert review.crm.missing_crm_fields(call_id) == ["Risks"]
    with pytest.raises(ReviewError, match="no CRM field 'bogus'"):
        review.crm.set_crm_field(call_id, "bogus", "x")


def test_a_call_in_progress_cannot_be_marked_ready(context, review):
    session = context.calls.start_call(CallRequest("Acme", "demo", "DE", "en"))
    context.calls.mark_decline("en")
    fill_required(review, session.details.call_id)
    with pytest.raises(ReviewError, match="end the call"):
        review.crm.mark_ready(session.details.call_id)


def test_without_a_usable_policy_a_call_stays_local(context, review):
    call_id = ended_call(context)
    fill_required(review, call_id)
    broken = ReviewService(
        context.store, lambda: ActivePolicy(context.paths.policy_override, None, None, False), "rep"
    )
    with pytest.raises(ReviewError, match="cannot be used"):
        broken.crm.mark_ready(call_id)


def test_automatic_text_is_a_draft_until_the_rep_confirms_it(context, review):
    call_id = ended_call(context)
    fill_required(review, call_id)
    draft = review.moments.add_moment(
        call_id, 65_000, "AI: customer mentioned budget", "pain_point", draft=True
    )
    review.crm.set_crm_field(call_id, "timeline", "AI guess: Q3", draft=True)
    state = review.review(call_id)
    assert [m.draft for m in state.moments] == [True]
    assert state.missing == ["Timeline"]
    with pytest.raises(NotReadyToSync) as refused:
        review.crm.mark_ready(call_id)
    assert refused.value.drafts == 1 and refused.value.missing == ["Timeline"]
    assert "draft" in str(refused.value)

    review.crm.set_crm_field(call_id, "timeline", "Q3, the rep thinks")  # a save keeps the draft
    assert review.crm.missing_crm_fields(call_id) == ["Timeline"]
    review.moments.edit_note(draft.id, "Budget approved for Q3")
    assert review.moments.for_call(call_id)[0].draft  # editing is not confirming
    assert review.moments.confirm_draft(draft.id).draft is False
    review.crm.confirm_crm_field(call_id, "timeline")
    review.crm.mark_ready(call_id)
    assert {"moment.confirmed", "crm.confirmed", "call.ready_to_sync"} <= set(kinds(context))


@pytest.mark.parametrize(
    "value", [UNICODE, MARKUP, SQL, "x" * 100_000 + "😀" * 100, "line\r\nwith\n\nblank  \t"]
)
def test_text_is_stored_and_returned_verbatim(context, review, value):
    call_id = ended_call(context, ("objection", value))
    moment = review.moments.for_call(call_id)[0]
    assert moment.note == value
    review.moments.edit_note(moment.id, value + value)
    review.crm.set_crm_field(call_id, "risks", value)
    review.crm.set_human_nuance(call_id, value)
    assert review.moments.for_call(call_id)[0].note == value + value
    assert {f.key: f.text for f in review.crm.crm_fields(call_id)}["risks"] == value
    assert review.crm.human_nuance(call_id) == value
    with context.store() as db:  # the SQL text did not run
        assert db.execute(text("SELECT count(*) FROM calls")).scalar() == 1


def test_crm_text_for_a_field_a_newer_policy_dropped_is_kept_and_shown(context, review):
    call_id = ended_call(context)
    review.crm.set_crm_field(call_id, "competitive_dynamics", "Globex is cheaper")
    old = context.active_policy()
    newer = old.policy.model_copy(update={"crm_fields": old.policy.crm_fields[:4]})
    later = ReviewService(context.store, lambda: ActivePolicy(old.path, newer, None, False), "rep")
    field = later.crm.crm_fields(call_id)[-1]
    assert (field.key, field.label, field.text, field.in_policy) == (
        "competitive_dynamics",
        "competitive_dynamics",
        "Globex is cheaper",
        False,
    )


def test_unknown_ids_give_clear_errors(context, review):
    with pytest.raises(ReviewError, match="no call"):
        review.moments.for_call("nope")
    with pytest.raises(ReviewError, match="no moment 999"):
        review.moments.edit_note(999, "x")
    with pytest.raises(ReviewError, match="before the call"):
        review.moments.add_moment(ended_call(context), -1)


def test_deleting_a_call_removes_its_moments_notes_and_search_entry(context, review):
    call_id = ended_call(context, ("objection", "uniqueword"))
    review.crm.set_crm_field(call_id, "risks", "x")
    with context.store.begin() as db:
        db.execute(text("DELETE FROM calls WHERE id = :id"), {"id": call_id})
    with context.store() as db:
        assert db.scalars(select(MomentRecord)).all() == []
        for table in ("crm_notes", "call_reviews", "call_search"):
            assert db.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0
