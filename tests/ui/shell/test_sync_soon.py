"""A call marked ready leaves within seconds, and "Sync now" in the tray sends it at once."""

from __future__ import annotations

import pyrage
from call_helpers import CRM, organisation_policy
from PySide6.QtCore import Qt

from companion.app.calls.service import CallRequest
from companion.ui.shell.app import TrayApp
from companion.ui.shell.sync_control import SOON_MS, SYNC_INTERVAL_MS


def test_mark_ready_syncs_soon_and_sync_now_is_in_the_tray(qtbot, tmp_path, make_context):
    context = make_context()
    share = tmp_path / "share"
    share.mkdir()
    recipient = str(pyrage.x25519.Identity.generate().to_public())
    organisation_policy(context, recipient, f'\n[sync.target]\nfolder = "{share}"\n')
    app = TrayApp(context, lambda: None)
    calls = context.calls
    calls.start_call(CallRequest("Acme", "discovery", "DE"))
    calls.mark_decline()
    call_id = calls.current.details.call_id
    calls.end_call()  # its review opens
    review = app.windows[f"review:{call_id}"]
    for key in CRM:
        review.crm_fields.rows[key].box.setPlainText(f"{key}: done")
    assert app.sync.sync_timer.interval() == SYNC_INTERVAL_MS and SOON_MS <= 5_000
    with qtbot.waitSignal(app.sync.finished, timeout=SOON_MS + 30_000) as finished:
        qtbot.mouseClick(review.ready_button, Qt.MouseButton.LeftButton)
        assert app.sync.soon.isActive()  # not the next 15-minute pass
    assert finished.args[0].startswith("sync: 1 delivered")
    assert (share / f"call-{call_id}").is_dir()

    sync_now = app.tray.actions["sync_now"]
    assert sync_now in app.tray.menu.actions() and sync_now.isEnabled()
    with qtbot.waitSignal(app.sync.finished, timeout=30_000):
        sync_now.trigger()
        assert not sync_now.isEnabled() and sync_now.text() == "Syncing…"
    assert sync_now.isEnabled() and sync_now.text() == "Sync now"
    for window in app.windows.values():
        window.close()
    app.pool.waitForDone(10_000)
    app.tray.icon.hide()
