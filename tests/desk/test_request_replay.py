"""A signed request is accepted once: replaying the exact same request (captured on the
way, within its five-minute window) is refused, writes no receipt and serves nothing, on
one service and across two services sharing one PostgreSQL database."""

from __future__ import annotations

import http.client
import json
import time
from urllib.parse import urlsplit

from desk_service_processes import services
from desk_service_world import WHY, RecordingStore, call_id, ingested, serving

from companion.core.access.signed_request import NONCE, sign_request
from companion.desk.app.ingest import ingest
from companion.desk.app.ledger import receipts_of
from companion.edges.sync.org_store import FolderOrgStore, receipt_numbers


def captured(world, call: str, part: str) -> tuple[str, bytes, dict[str, str]]:
    """Dana's signed request, as someone on the way would capture it."""
    body = json.dumps(WHY).encode()
    path = f"/calls/{call}/{part}"
    headers = sign_request(world.org.keys["dana"], "reviewer:dana", "POST", path,
                           int(time.time()), body)  # fmt: skip
    return path, body, headers | {"Content-Type": "application/json"}


def send(port: int, request: tuple[str, bytes, dict[str, str]]) -> tuple[int, bytes]:
    path, body, headers = request
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("POST", path, body, headers)
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


def stored_receipts(world) -> list[int]:
    return receipt_numbers(FolderOrgStore(world.store_dir), "alice")


def test_a_replayed_request_is_refused_and_writes_no_receipt_and_serves_nothing(world):
    mine = world.deliver("alice", call_id(1), seconds=1.0)
    events: list[tuple[str, str]] = []
    service = ingested(world.service(RecordingStore(world.store_dir, events)))
    events.clear()
    with serving(service) as url:
        port = urlsplit(url).port
        for part in ("open", "audio"):
            request = captured(world, mine, part)
            status, first = send(port, request)
            assert status == 200 and first
            events.clear()
            status, again = send(port, request)
            assert status == 401
            assert "sent before" in json.loads(again)["error"]
            assert events == []  # no receipt written, nothing fetched to decrypt

        path, body, headers = captured(world, mine, "open")
        unsigned_nonce = {k: v for k, v in headers.items() if k != NONCE}
        assert send(port, (path, body, unsigned_nonce))[0] == 401  # an old client's request
        other = headers | {NONCE: "another-nonce-the-signature-does-not-cover"}
        assert send(port, (path, body, other))[0] == 401  # the nonce is signed
        assert events == []
    assert sorted(receipts_of(service.db, "alice")) == [1, 2]  # one per accepted request
    assert stored_receipts(world) == [1, 2]


def test_two_services_on_one_database_refuse_each_others_replays(pg_world):
    world = pg_world
    mine = world.deliver("alice", call_id(1), seconds=1.0)
    assert ingest(world.service()).listed == 1
    with services(world) as (one, two):
        request = captured(world, mine, "audio")
        status, audio = send(one.port, request)
        assert status == 200 and audio.startswith(b"OggS"), audio[:300]
        status, again = send(two.port, request)  # the same request at the other service
        assert status == 401 and b"OggS" not in again
        assert "sent before" in json.loads(again)["error"]
        assert send(one.port, request)[0] == 401
        assert send(two.port, captured(world, mine, "open"))[0] == 200  # a fresh one works
    assert sorted(receipts_of(world.service().db, "alice")) == [1, 2]
    assert stored_receipts(world) == [1, 2]


def test_nonces_are_kept_for_the_window_and_then_forgotten(world):
    from datetime import UTC, datetime, timedelta

    from companion.desk.edges.nonces import KEEP, first_use

    db = world.service().db
    then = datetime.now(UTC) - KEEP - timedelta(seconds=1)
    assert first_use(db, "reviewer:dana", "a-nonce-from-long-ago", then)
    assert not first_use(db, "reviewer:dana", "a-nonce-from-long-ago", then)  # a replay
    assert first_use(db, "reviewer:vik", "a-nonce-from-long-ago", then)  # another signer's
    now = datetime.now(UTC)
    assert first_use(db, "reviewer:dana", "a-nonce-of-today-000", now)  # clears the old ones
    # the old request's time is outside the window by now, so it is refused for that;
    # its nonce is no longer kept
    assert first_use(db, "reviewer:dana", "a-nonce-from-long-ago", now)
