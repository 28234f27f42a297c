"""Where calls go: the organisation's signed policy names it; no target is "not set up"."""

from __future__ import annotations

import pyrage
from call_helpers import organisation_policy, ready_call
from PySide6.QtCore import Qt

from companion.app.library.search import LibraryQuery
from companion.app.sync.sync_pass import sync_pass
from companion.core.policy.model import SyncTargetRules
from companion.edges.settings import Settings
from companion.edges.sync.configured import NO_TARGET, ChosenBy, choose_target
from companion.ui.settings.sync_settings import SyncSettings
from companion.ui.shell.app import TrayApp


def _recipient() -> str:
    return str(pyrage.x25519.Identity.generate().to_public())


def _close(app: TrayApp) -> None:
    for window in app.windows.values():
        window.close()
    app.pool.waitForDone(10_000)
    app.tray.icon.hide()


def test_without_a_target_nothing_is_delivered_and_no_outbox_is_made(qtbot, make_context):
    context = make_context()
    organisation_policy(context, _recipient())  # recipients, but no place to send to
    call_id = ready_call(context)
    app = TrayApp(context, lambda: None)
    library = app.open_window("library")
    assert library.table.item(0, 6).text() == "not set up"  # never "local (ready)"
    box = app.open_window("settings").findChild(SyncSettings)
    assert box.result.text() == NO_TARGET
    with qtbot.waitSignal(app.sync.finished, timeout=30_000) as finished:
        app.sync.sync_now()
    assert finished.args == [f"sync: {NO_TARGET}"]
    assert NO_TARGET in app.tray.icon.toolTip()
    assert not any("outbox" in p.name for p in context.paths.data_dir.rglob("*"))
    library.refresh()
    assert library.table.item(0, 6).text() == "not set up"
    rows = context.search_calls(LibraryQuery())
    assert [(r.call_id, r.sync_state) for r in rows] == [(call_id, "local")]
    _close(app)


def test_the_policys_target_wins_and_the_rep_cannot_change_it(qtbot, tmp_path, make_context):
    context = make_context()
    share, own = tmp_path / "organisation-share", tmp_path / "my-folder"
    share.mkdir()
    own.mkdir()
    organisation_policy(context, _recipient(), f'\n[sync.target]\nfolder = "{share}"\n')
    context.settings.save(context.settings.load().with_changes(sync_folder=str(own)))
    call_id = ready_call(context)
    app = TrayApp(context, lambda: None)
    box = app.open_window("settings").findChild(SyncSettings)
    assert "set by your organisation" in box.source.text()
    assert box.folder.text() == str(share) and box.folder.isReadOnly()
    assert box.bucket.isReadOnly()
    box.folder.setText("/tmp/elsewhere")  # a programmatic write; the rep cannot type here
    qtbot.mouseClick(box.save_button, Qt.MouseButton.LeftButton)
    assert context.settings.load().sync_folder == str(own)  # the rep's own choice untouched
    report = sync_pass(context)
    assert report.summary == "sync: 1 delivered"
    assert [p.name for p in share.iterdir() if not p.name.startswith(".")] == [f"call-{call_id}"]
    assert list(own.iterdir()) == []
    _close(app)


def test_a_managed_setting_wins_over_the_policy_which_wins_over_settings():
    mine = Settings(sync_folder="/home/rep/share")
    policy = SyncTargetRules(bucket="org-calls", region="eu-west-1")
    managed = SyncTargetRules(folder="/srv/calls")
    assert choose_target(Settings(), None) is None
    assert choose_target(mine, None).chosen_by is ChosenBy.SETTINGS
    assert choose_target(mine, policy).rules == policy
    assert choose_target(mine, policy).words() == "S3 bucket org-calls (set by your organisation)"
    chosen = choose_target(mine, policy, managed)
    assert chosen.chosen_by is ChosenBy.MANAGED and chosen.rules == managed
