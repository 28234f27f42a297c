"""Receipt first, then decrypt, or nothing: a read whose receipt cannot be written fails
with a clear message and fetches no payload; a successful read's receipt is in the
store before its first byte is sent; the rep's companion verifies the service's receipts
(and shows those sealed before its key was published as waiting, not as tampering)."""

from __future__ import annotations

import shutil

import pytest
from desk_service_world import (
    WHY,
    RecordingStore,
    call_id,
    first_bytes_noted,
    ingested,
    rep_sees,
    serving,
)
from sqlalchemy import text

from companion.app.sync.access_receipts import publish_recipient
from companion.desk.api.client import DeskRefused
from companion.desk.app.ingest import ingest
from companion.edges.sync.org_store import FolderOrgStore


def test_no_receipt_no_read_and_each_receipt_is_stored_before_the_first_byte(world, tmp_path):
    mine = world.deliver("alice", call_id(1))
    events: list[tuple[str, str]] = []
    service = ingested(world.service(RecordingStore(world.store_dir, events)))
    events.clear()  # what ingest fetched
    receipts = world.store_dir / "receipts"
    with serving(service, first_bytes_noted(events)) as url:
        dana = world.client(url, "dana")
        receipts.mkdir(exist_ok=True)
        shutil.rmtree(receipts)
        receipts.write_text("not a folder: the store refuses receipts")  # root ignores chmod
        for part in ("open", "moments", "audio", "export"):
            with pytest.raises(DeskRefused) as caught:
                b"".join(dana.stream(f"/calls/{mine}/{part}", WHY))
            assert caught.value.status == 503, part
            assert "could not be written to the organisation's store" in str(caught.value)
            assert "nothing was read" in str(caught.value)
        assert events == []  # no payload fetched, nothing decrypted, no byte sent

        with service.db.begin() as db:  # now the database refuses receipts instead
            db.execute(text(
                "CREATE TRIGGER receipts_read_only BEFORE INSERT ON receipts "
                "BEGIN SELECT RAISE(ABORT, 'receipts are read-only'); END"
            ))  # fmt: skip
        receipts.unlink()
        with pytest.raises(DeskRefused) as caught:
            b"".join(dana.stream(f"/calls/{mine}/audio", WHY))
        assert caught.value.status == 503
        assert "could not be saved in the desk's database (receipts are read-only)" in str(
            caught.value
        )
        assert events == []

        with service.db.begin() as db:
            db.execute(text("DROP TRIGGER receipts_read_only"))
        dana.post(f"/calls/{mine}/open", WHY)
        audio = b"".join(dana.stream(f"/calls/{mine}/audio", WHY))
    assert audio.startswith(b"OggS")
    assert events == [
        ("receipt stored", "receipts/alice/00000001.org.json.age"),
        ("fetched", f"{mine}/manifest.json.age"),
        ("first byte sent", f"/calls/{mine}/open"),
        ("receipt stored", "receipts/alice/00000002.org.json.age"),
        ("fetched", f"{mine}/audio.ogg.age"),
        ("first byte sent", f"/calls/{mine}/audio"),
    ]


def test_the_rep_verifies_the_services_receipts_and_early_ones_wait_for_her_key(world, tmp_path):
    import pyrage

    mine = world.deliver("alice", call_id(1))
    service = ingested(world.service())
    with serving(service) as url:
        dana = world.client(url, "dana")
        dana.post(f"/calls/{mine}/open", WHY)  # before alice published her recipient
        identity = pyrage.x25519.Identity.generate()
        early = rep_sees(world, tmp_path, identity)
        assert early.waiting == [1] and early.warnings == [] and early.receipts == []

        publish_recipient(FolderOrgStore(world.store_dir), identity, "alice")
        assert ingest(service).resealed == 1  # the service seals her copy
        b"".join(dana.stream(f"/calls/{mine}/audio", WHY))
    report = rep_sees(world, tmp_path, identity)
    assert report.warnings == [] and report.waiting == []
    assert [(r.seq, r.action) for r in report.receipts] == [(1, "open"), (2, "play")]
    assert (
        report.receipts[1]
        .describe()
        .startswith("Played by Dana Lee (manager, coaching: 'objection handling') on ")
    )
