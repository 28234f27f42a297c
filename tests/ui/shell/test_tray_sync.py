"""The tray syncs in the background and the library shows the result."""

from __future__ import annotations

import pyrage
from call_helpers import organisation_policy, ready_call
from PySide6.QtCore import Qt
from sqlalchemy import select

from companion.app.calls.service import CallRequest
from companion.app.compose import build_context
from companion.ui.settings.sync_settings import SyncSettings
from companion.ui.shell.app import TrayApp


def test_background_sync_delivers_and_the_library_says_synced(qtbot, tmp_path, make_context):
    context = make_context()
    organisation_policy(context, str(pyrage.x25519.Identity.generate().to_public()))
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
        context.review.crm.set_crm_field(call_id, key, "done")
    context.review.crm.mark_ready(call_id)
    library = app.open_window("library")
    assert library.table.item(0, 6).text() == "local (ready)"
    with qtbot.waitSignal(app.sync.finished, timeout=30_000) as finished:
        app.sync.sync_now()
    assert finished.args == ["sync: 1 delivered"]
    assert library.table.item(0, 6).text() == "synced"
    assert [p.name for p in share.iterdir() if not p.name.startswith(".")] == [f"call-{call_id}"]
    for window in app.windows.values():
        window.close()
    app.pool.waitForDone(10_000)
    app.tray.icon.hide()


def test_an_anonymous_concern_reaches_the_organisation_without_a_name(qtbot, tmp_path):
    import json

    from PySide6.QtCore import Qt

    from companion.edges.store import audit

    context = build_context()
    identity = pyrage.x25519.Identity.generate()
    organisation_policy(context, str(identity.to_public()))
    share = tmp_path / "share"
    share.mkdir()
    context.settings.save(context.settings.load().with_changes(sync_folder=str(share)))
    app = TrayApp(context, lambda: None)
    app.tray.actions["concern"].trigger()
    dialog = app.windows["concern"]
    qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    assert dialog.problem.text() == "write a few words about the concern"
    dialog.category.setCurrentIndex(dialog.category.findData("coaching_misuse"))
    dialog.text.setPlainText("My manager reviews calls without telling me.")
    dialog.anonymous.setChecked(True)
    qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    assert context.messages.history[-1].title == "Concern noted"
    with qtbot.waitSignal(app.sync.finished, timeout=30_000) as finished:
        app.sync.sync_now()
    assert finished.args[0].endswith("1 concern(s) sent")
    package = next(p for p in share.iterdir() if p.name.startswith("concern-"))
    sealed = (package / "concern.json.age").read_bytes()
    concern = json.loads(pyrage.decrypt(sealed, [identity]))
    assert concern["anonymous"] is True and concern["rep"] is None
    assert concern["text"] == "My manager reviews calls without telling me."
    with context.store() as db:
        entry = next(e for e in audit.entries(db) if e["kind"] == "concern.raised")
    assert entry["actor"] == "anonymous" and context.rep not in json.dumps(entry)
    app.pool.waitForDone(10_000)
    app.tray.icon.hide()


def test_without_recipients_every_place_says_sync_is_not_set_up(qtbot, make_context):
    from companion.app.sync.sync_pass import NOT_SET_UP
    from companion.edges.store.models import SyncJobRecord

    context = make_context()  # the embedded default policy names no recipients
    assert context.active_policy().policy.sync.recipients == []
    app = TrayApp(context, lambda: None)
    ready_call(context)
    library = app.open_window("library")
    assert library.table.item(0, 6).text() == "not set up"  # never "ready"
    settings = app.open_window("settings")
    box = settings.findChild(SyncSettings)
    assert box.result.text() == NOT_SET_UP
    qtbot.mouseClick(box.test_button, Qt.MouseButton.LeftButton)  # not "Connection works."
    qtbot.waitUntil(lambda: box.test_button.isEnabled() and box.result.text() == NOT_SET_UP)
    with qtbot.waitSignal(app.sync.finished, timeout=30_000) as finished:
        app.sync.sync_now()
    assert finished.args == [f"sync: {NOT_SET_UP}"]
    assert NOT_SET_UP in app.tray.icon.toolTip()
    assert [m.text for m in context.messages.history if m.title == "Sync"] == [NOT_SET_UP]
    with context.store() as db:  # nothing tried, so nothing waits on a backoff
        jobs = db.scalars(select(SyncJobRecord)).all()
        assert all(job.attempts == 0 for job in jobs)
    for window in app.windows.values():
        window.close()
    app.pool.waitForDone(10_000)
    app.tray.icon.hide()
