"""The tray syncs in the background and the library shows the result."""

from __future__ import annotations

import pyrage

from companion.policy.source import default_policy_path
from companion.services.calls import CallRequest
from companion.services.context import build_context
from companion.ui.app import TrayApp


def test_background_sync_delivers_and_the_library_says_synced(qtbot, tmp_path):
    context = build_context()
    context.calls._recorder = None
    recipient = pyrage.x25519.Identity.generate().to_public()
    context.paths.policy_override.write_text(
        default_policy_path().read_text(encoding="utf-8")
        + f'\n[sync]\nrecipients = ["{recipient}"]\n',
        encoding="utf-8",
    )
    share = tmp_path / "share"
    share.mkdir()
    context.settings.save(context.settings.load().with_changes(sync_folder=str(share)))
    app = TrayApp(context, lambda: None)
    calls = context.calls
    calls.start_call(CallRequest("Acme", "demo", "DE"))
    calls.mark_decline()
    call_id = calls.current.details.call_id
    calls.end_call()
    for key in ("qualification", "next_steps", "timeline", "risks"):
        context.review.set_crm_field(call_id, key, "done")
    context.review.mark_ready(call_id)
    library = app.open_window("library")
    assert library.table.item(0, 6).text() == "local (ready)"
    with qtbot.waitSignal(app.sync_finished, timeout=30_000) as finished:
        app.sync_now()
    assert finished.args == ["sync: 1 delivered"]
    assert library.table.item(0, 6).text() == "synced"
    assert [p.name for p in share.iterdir() if not p.name.startswith(".")] == [f"call-{call_id}"]
    for window in app.windows.values():
        window.close()
    app.pool.waitForDone(10_000)
    app.tray.icon.hide()
