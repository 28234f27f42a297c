"""Reviewers read calls only through the desk service, by role and team: a manager of
team A lists and plays team A's calls, never team B's (not listed, 404 by id exactly
like a call that does not exist), also after the store's plain index is rewritten."""

from __future__ import annotations

import json

import pytest
from desk_service_world import WHY, call_id, ingested, serving
from sqlalchemy import select

from companion.desk.api.client import DeskRefused
from companion.desk.edges.models import RefusalRow
from companion.edges.sync.package import INDEX


@pytest.fixture
def served(world):
    mine = world.deliver("alice", call_id(1))
    theirs = world.deliver("carol", call_id(2))
    service = ingested(world.service())
    with serving(service) as url:
        yield world, url, mine, theirs, service


def refused(action) -> DeskRefused:
    with pytest.raises(DeskRefused) as caught:
        action()
    return caught.value


def test_a_manager_lists_and_plays_own_team_calls_and_never_sees_another_teams(served):
    world, url, mine, theirs, service = served
    dana = world.client(url, "dana")
    assert [c["package_id"] for c in dana.get("/calls")] == [mine]
    opened = dana.post(f"/calls/{mine}/open", WHY)
    assert opened["account"] == "Acme" and opened["moments"][0]["note"] == "price too high"
    audio = b"".join(dana.stream(f"/calls/{mine}/audio", WHY))
    assert audio.startswith(b"OggS")
    other = refused(lambda: dana.post(f"/calls/{theirs}/open", WHY))
    missing = refused(lambda: dana.post("/calls/call-nothing-here/open", WHY))
    assert other.status == missing.status == 404
    assert str(other).replace(theirs, "X") == str(missing).replace("call-nothing-here", "X")
    assert "Globex" not in str(other)
    with service.db() as db:  # both refusals are audited, each with the rule that decided
        refusals = db.execute(select(RefusalRow.call, RefusalRow.rule)).all()
    assert (theirs, "access.roles.manager_a.calls") in refusals
    assert ("call-nothing-here", "desk.calls") in refusals


def test_rewriting_the_plain_index_to_name_team_as_rep_changes_nothing(served):
    world, url, mine, theirs, _service = served
    index = world.store_dir / theirs / INDEX
    lying = json.loads(index.read_bytes()) | {"rep": "alice"}
    index.write_text(json.dumps(lying))
    ingested(world.service())  # the next pass sees the store again
    dana = world.client(url, "dana")
    assert [c["package_id"] for c in dana.get("/calls")] == [mine]
    assert refused(lambda: dana.post(f"/calls/{theirs}/audio", WHY)).status == 404
    # a new package whose plain index names alice, but whose signed manifest is carol's
    package = world.package("carol", call_id(3))
    forged = world.store_dir / package.package_id
    from companion.edges.sync.folder_target import FolderTarget

    FolderTarget(world.store_dir).put_package(package)
    (forged / INDEX).write_text(json.dumps(package.index | {"rep": "alice"}))
    report = ingested_report(world)
    assert "signature does not match" in report.quarantined[package.package_id]
    assert package.package_id not in [c["package_id"] for c in dana.get("/calls")]


def ingested_report(world):
    from companion.desk.app.ingest import ingest

    return ingest(world.service())


def test_a_viewer_gets_moments_and_notes_but_no_audio_or_transcript(served):
    world, url, mine, _theirs, _service = served
    vik = world.client(url, "vik")
    assert "price too high" in vik.post(f"/calls/{mine}/moments", WHY)["vtt"]
    for part in ("audio", "transcript"):
        no = refused(lambda part=part: b"".join(vik.stream(f"/calls/{mine}/{part}", WHY)))
        assert no.status == 403
        assert str(no).startswith("Refused by access.roles.viewer.parts: ")


def test_requests_not_signed_by_a_key_the_policy_lists_are_refused(served):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from companion.desk.api.client import DeskClient

    world, url, mine, _theirs, _service = served
    impostor = DeskClient(url, "reviewer:dana", Ed25519PrivateKey.generate())
    unknown = world.client(url, "intruder")
    for client in (impostor, unknown):
        assert refused(lambda client=client: client.get("/calls")).status == 401
        assert refused(lambda c=client: c.post(f"/calls/{mine}/open", WHY)).status == 401
