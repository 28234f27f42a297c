"""One play, one receipt: pressing Play writes the receipt (before any byte), and the
player's byte-range requests (seeks, buffering) carry that play's token and write none.
A token is good only for the session, reviewer, call and purpose it was given for, and
only until the play ends."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from web_desk_client import WebClient, start_play
from web_desk_client import open_call as _open
from web_desk_client import signed_in as signed_in_as
from web_desk_world import PASSWORD

from companion.desk.edges.models import ReceiptRow


@pytest.fixture(scope="module")
def desk(desk_world):
    return desk_world


def signed_in(running, name: str) -> WebClient:
    return signed_in_as(running.url, name, PASSWORD)


def plays_of(running, call: str) -> int:
    with running.service.db() as session:
        return int(
            session.execute(
                select(func.count()).where(ReceiptRow.call == call, ReceiptRow.action == "play")
            ).scalar_one()
        )


def test_a_play_with_five_seeks_writes_exactly_one_receipt(desk):
    world, running = desk
    call = world.calls["alice"]
    dana = signed_in(running, "dana")
    _open(dana, call)
    before = plays_of(running, call)
    token = start_play(dana, call)
    assert plays_of(running, call) == before + 1  # written when Play was pressed, no byte yet
    whole = dana.get(f"/web/calls/{call}/audio/{token}")
    size = len(whole.content)
    for start in (0, size // 5, size // 2, size * 3 // 4, 100):  # five seeks
        part = dana.get(f"/web/calls/{call}/audio/{token}", range=f"bytes={start}-")
        assert part.status_code == 206 and part.content == whole.content[start:]
    assert plays_of(running, call) == before + 1
    # pressing Play again is another play: the rep sees another receipt
    again = start_play(dana, call)
    assert again != token and plays_of(running, call) == before + 2


def test_a_token_works_only_in_its_own_session_for_its_reviewer_and_call(desk):
    world, running = desk
    call, other = world.calls["alice"], world.calls["alice2"]
    dana = signed_in(running, "dana")
    _open(dana, call)
    token = start_play(dana, call)
    before = plays_of(running, call)

    stolen = signed_in(running, "dana")  # dana's own second session, the call opened too
    _open(stolen, call)
    refused = stolen.get(f"/web/calls/{call}/audio/{token}", range="bytes=0-")
    assert refused.status_code == 403 and b"OggS" not in refused.content
    assert "not yours" in refused.text

    cora = signed_in(running, "cora")  # another reviewer who may play this call
    _open(cora, call, reason="quality review")
    assert cora.get(f"/web/calls/{call}/audio/{token}").status_code == 403

    _open(dana, other)  # the right session, another call
    wrong_call = dana.get(f"/web/calls/{other}/audio/{token}")
    assert wrong_call.status_code == 403 and b"OggS" not in wrong_call.content

    assert dana.get(f"/web/calls/{call}/audio/{token}").content[:4] == b"OggS"  # still good
    assert plays_of(running, call) == before  # refusals serve nothing and write no receipt


def test_an_ended_play_is_refused_and_play_starts_a_new_one(desk):
    world, running = desk
    call = world.calls["alice2"]
    dana = signed_in(running, "dana")
    _open(dana, call)
    token = start_play(dana, call)
    service = running.service
    real = service.clock
    service.clock = lambda: real() + timedelta(minutes=11)  # a 6-second call's play ended
    try:
        ended = dana.get(f"/web/calls/{call}/audio/{token}", range="bytes=0-")
        assert ended.status_code == 403 and b"OggS" not in ended.content
        assert "this play has ended" in ended.text
        page = dana.get(f"/web/calls/{call}").text
        assert "Play the audio" in page and token not in page
    finally:
        service.clock = real


def test_a_new_purpose_needs_a_new_play(desk):
    from companion.core.policy.access import Purpose
    from companion.desk.app.approvals import ApproverSession, request_approval
    from companion.desk.app.reads import ReviewerSession

    world, running = desk
    call = world.calls["bob"]
    cora = signed_in(running, "cora")
    _open(cora, call, reason="quality review")
    token = start_play(cora, call)
    asked = request_approval(
        ReviewerSession(running.service, "cora"), [call], Purpose.INVESTIGATION, "complaint"
    )
    ApproverSession(running.service, "legal").decide(asked["id"], approve=True, reason="ok")
    changed = cora.post(
        f"/web/calls/{call}/why",
        {"purpose": "investigation", "reason": "complaint", "approval": asked["id"]},
    )
    assert changed.status_code == 303, changed.text
    refused = cora.get(f"/web/calls/{call}/audio/{token}")
    assert refused.status_code == 403 and "another purpose" in refused.text
    assert "Play the audio" in cora.get(f"/web/calls/{call}").text


def test_the_script_starts_a_play_in_place_with_one_receipt_and_no_page_again(desk):
    world, running = desk
    call = world.calls["markup"]
    dana = signed_in(running, "dana")
    _open(dana, call)
    dana.get(f"/web/calls/{call}")  # the page, as the browser shows it
    before = plays_of(running, call)
    answer = dana.http.post(
        f"/web/calls/{call}/play",
        data={"csrf": dana.csrf, "at": "4.0"},
        headers={"cookie": f"__Host-desk={dana.cookie}", "accept": "application/json"},
    )
    assert answer.status_code == 200 and answer.json()["at"] == 4.0
    assert answer.json()["src"].startswith(f"/web/calls/{call}/audio/")
    assert plays_of(running, call) == before + 1
    assert dana.get(answer.json()["src"]).content[:4] == b"OggS"
    forged = dana.http.post(
        f"/web/calls/{call}/play", data={"at": "0"},
        headers={"cookie": f"__Host-desk={dana.cookie}", "accept": "application/json"},
    )  # fmt: skip
    assert forged.status_code == 403 and plays_of(running, call) == before + 1
