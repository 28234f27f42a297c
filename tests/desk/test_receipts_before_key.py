"""Receipts written before the rep's key reached the organisation: "waiting for your key",
never the red warning a broken chain gets."""

from __future__ import annotations

import pytest
from desk_world import alices_call, book

from companion.app.library.search import access_view, search_calls
from companion.app.sync.sync_pass import sync_once
from companion.ui.library.library_window import LibraryWindow

pytestmark = pytest.mark.usefixtures("secret_service")
WHY = ("--purpose", "coaching", "--reason", "objection handling")


def test_receipts_before_the_key_wait_and_a_removed_one_is_still_a_warning(rep, desk, share, qtbot):
    mine = alices_call(rep)
    (share / "reps" / "alice" / "recipient.txt").unlink()  # as before the rep's first sync
    desk.run("open", mine, *WHY)
    desk.run("open", mine, *WHY)
    sync_once(rep)  # publishes the key again; receipts 1 and 2 are the organisation's only
    desk.run("open", mine, *WHY)
    summary = sync_once(rep)
    assert "warning" not in summary
    kept = book(rep)
    assert kept.warnings == [] and kept.waiting == [1, 2]
    assert [r.seq for r in kept.receipts] == [3]
    policy = rep.active_policy().policy
    library = LibraryWindow(
        lambda query: search_calls(rep.store, query, policy),
        policy,
        lambda _call: None,
        access=lambda: access_view(rep.paths.data_dir),
    )
    qtbot.addWidget(library)
    assert library.access_warning.isHidden()  # no tamper banner
    assert not library.access_waiting.isHidden()
    assert library.access_waiting.text().startswith("Receipts 1 to 2: waiting for your key.")
    assert "before your key reached the organisation" in library.access_waiting.text()

    (share / "receipts" / "alice" / "00000003.json.age").unlink()
    (share / "receipts" / "alice" / "00000001.json.age").unlink()
    assert "warning(s)" in sync_once(rep)
    warnings = book(rep).warnings
    assert "Receipt 1 is missing from the organisation's store." in warnings
    assert "Receipt 3 is missing from the organisation's store." in warnings
    library.refresh()
    assert not library.access_warning.isHidden()
