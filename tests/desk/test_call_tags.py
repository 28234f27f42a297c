"""Tags of a call's moments, from its signed and decrypted manifest, in the desk's index:
the calls list filters by them, within what the role covers, and only for a role that
may see moments (which calls carry a tag says what their moments say)."""

from __future__ import annotations

import pytest
from desk_service_world import call_id, ingested
from sqlalchemy import delete, select, update

from companion.core.access.rules import AccessRefused
from companion.desk.app.ingest import ingest
from companion.desk.app.reads import CallFilter, ReviewerSession
from companion.desk.edges.models import CallRow, CallTagRow, RefusalRow


def deliver_tagged(world) -> dict[str, str]:
    return {
        "alice": world.deliver("alice", call_id(1), tags=("objection", "pain_point")),
        "bob": world.deliver("bob", call_id(2), tags=("renewal_risk",)),
        "carol": world.deliver("carol", call_id(3), tags=("renewal_risk",)),
    }


def tagged(service, reviewer: str, tag: str) -> set[str]:
    return {c.package_id for c in ReviewerSession(service, reviewer).calls(CallFilter(tag=tag))}


def test_ingest_indexes_the_manifests_tags_and_the_filter_keeps_team_scoping(world):
    calls = deliver_tagged(world)
    # a plain file beside the package claims another tag: the index never reads it
    (world.store_dir / calls["bob"] / "tags.txt").write_text("objection\n")
    service = ingested(world.service())
    with service.db() as db:
        rows = set(db.execute(select(CallTagRow.package_id, CallTagRow.tag)).all())
    assert rows == {
        (calls["alice"], "objection"), (calls["alice"], "pain_point"),
        (calls["bob"], "renewal_risk"), (calls["carol"], "renewal_risk"),
    }  # fmt: skip
    assert tagged(service, "dana", "renewal_risk") == {calls["bob"]}  # team A only
    assert tagged(service, "cora", "renewal_risk") == {calls["bob"], calls["carol"]}
    assert tagged(service, "dana", "objection") == {calls["alice"]}
    assert tagged(service, "dana", "discovery") == set()
    assert ReviewerSession(service, "dana").known_tags() == [
        "objection", "pain_point", "renewal_risk",
    ]  # fmt: skip


def test_a_role_without_moments_cannot_learn_tags_through_the_filter(world):
    with world.policy_file.open("a", encoding="utf-8") as policy:
        policy.write(
            '\n[access.roles.listener]\nkind = "viewer"\ncalls = "all"\nparts = ["audio"]\n'
            'purposes = ["coaching"]\n\n[access.reviewers.lena]\nname = "Lena Park"\n'
            f'role = "listener"\nkey = "{world.org.public("intruder")}"\n'
        )
    calls = deliver_tagged(world)
    service = ingested(world.service())
    lena = ReviewerSession(service, "lena")
    assert {c.package_id for c in lena.calls()} == set(calls.values())  # she lists calls
    for tag in ("renewal_risk", "discovery"):  # a tag some calls carry, and one none does
        with pytest.raises(AccessRefused, match=r"access.roles.listener.parts"):
            lena.calls(CallFilter(tag=tag))
    assert lena.known_tags() is None
    with service.db() as db:
        refusals = db.execute(select(RefusalRow.reviewer, RefusalRow.read)).all()
    assert refusals == [("lena", "tags"), ("lena", "tags")]  # audited like any refusal


def test_calls_ingested_before_tags_were_indexed_get_them_at_the_next_pass(world):
    calls = deliver_tagged(world)
    service = ingested(world.service())
    with service.db.begin() as db:  # as a database migrated from before tags
        db.execute(delete(CallTagRow))
        db.execute(update(CallRow).values(tags_read=None))
    assert tagged(service, "cora", "renewal_risk") == set()
    ingest(service)
    assert tagged(service, "cora", "renewal_risk") == {calls["bob"], calls["carol"]}
    with service.db() as db:
        assert set(db.execute(select(CallRow.tags_read)).scalars()) == {True}


def test_the_tag_filter_on_postgresql(pg_world):
    calls = deliver_tagged(pg_world)
    service = ingested(pg_world.service())
    assert tagged(service, "dana", "renewal_risk") == {calls["bob"]}
    assert tagged(service, "cora", "renewal_risk") == {calls["bob"], calls["carol"]}
