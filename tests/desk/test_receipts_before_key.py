"""Receipts sealed before the rep's key reached the organisation: "waiting for your key" in
the library, never the red warning a broken chain gets; a removed one is still a warning."""

from __future__ import annotations

import pyrage
from desk_service_world import WHY, call_id, ingested, rep_sees, serving

from companion.app.library.search import access_view
from companion.app.sync.access_receipts import BOOK
from companion.core.policy.parse import parse_policy
from companion.ui.library.library_window import LibraryWindow


def library_for(folder, policy, qtbot) -> LibraryWindow:
    library = LibraryWindow(
        lambda _query: [], policy, lambda _call: None, access=lambda: access_view(folder)
    )
    qtbot.addWidget(library)
    return library


def test_receipts_before_the_key_wait_and_a_removed_one_is_still_a_warning(world, tmp_path, qtbot):
    mine = world.deliver("alice", call_id(1))
    policy = parse_policy(world.policy_file.read_bytes(), "policy.toml")
    service = ingested(world.service())
    with serving(service) as url:
        dana = world.client(url, "dana")
        dana.post(f"/calls/{mine}/open", WHY)  # alice has published no recipient yet
        dana.post(f"/calls/{mine}/open", WHY)
    identity = pyrage.x25519.Identity.generate()
    early = rep_sees(world, tmp_path, identity)
    assert early.waiting == [1, 2] and early.warnings == []
    shown = tmp_path / "profile"  # the library reads the book from the rep's data folder
    shown.mkdir()
    (shown / BOOK).write_bytes((tmp_path / "book.json").read_bytes())
    library = library_for(shown, policy, qtbot)
    assert library.access_warning.isHidden()  # no tamper banner
    assert not library.access_waiting.isHidden()
    assert library.access_waiting.text().startswith("Receipts 1 to 2: waiting for your key.")
    assert "before your key reached the organisation" in library.access_waiting.text()

    (world.store_dir / "receipts" / "alice" / "00000001.org.json.age").unlink()
    later = rep_sees(world, tmp_path, identity)
    assert later.warnings == ["Receipt 1 is missing from the organisation's store."]
    (shown / BOOK).write_bytes((tmp_path / "book.json").read_bytes())
    library.refresh()
    assert not library.access_warning.isHidden()
