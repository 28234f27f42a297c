"""While a sync runs the rep sees which call is going; a shortened window is announced first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyrage
import pytest
from call_helpers import ready_call
from sqlalchemy import update

from companion.app.compose import build_context
from companion.core.calls.recorder import NullRecorder
from companion.edges.policy.files import default_policy_path
from companion.edges.store.models import CallRecord
from companion.ui.shell.app import TrayApp


def _policy_text(recipient: str, version: str = "2026.11.1", local_days: int = 30) -> str:
    text = default_policy_path().read_text(encoding="utf-8")
    text = text.replace('version = "2026.11.1"', f'version = "{version}"')
    text = text.replace(
        'description = "Most B2B calls"\nlocal_days = 30',
        f'description = "Most B2B calls"\nlocal_days = {local_days}',
    )
    return text + f'\n[sync]\nrecipients = ["{recipient}"]\n'


def _synced_profile(tmp_path, **options):
    context = build_context(**options)
    recipient = str(pyrage.x25519.Identity.generate().to_public())
    context.paths.policy_override.write_text(_policy_text(recipient), encoding="utf-8")
    share = tmp_path / "share"
    share.mkdir()
    context.settings.save(context.settings.load().with_changes(sync_folder=str(share)))
    return context, recipient, share


def _close(app) -> None:
    for window in app.windows.values():
        window.close()
    app.pool.waitForDone(10_000)
    app.tray.icon.hide()


def test_the_tray_and_the_library_follow_each_call_as_it_syncs(qtbot, tmp_path):
    context, _recipient, _share = _synced_profile(tmp_path, recorder=NullRecorder())
    first, second = ready_call(context, "Acme"), ready_call(context, "Globex")
    app = TrayApp(context, lambda: None)
    library = app.open_window("library")
    rows = {row.call_id: index for index, row in enumerate(library.rows)}
    seen: list[tuple[str, str, str]] = []

    def look(step) -> None:  # connected after the app's own slot: sees what the rep sees
        cell = library.table.item(rows[step.call_id], 6).text()
        seen.append((step.call_id, cell, app.tray.icon.toolTip()))

    app.sync.progressed.connect(look)
    with qtbot.waitSignal(app.sync.finished, timeout=30_000):
        app.sync.sync_now()
    qtbot.waitUntil(lambda: len(seen) == 4, timeout=5_000)
    order = [call for call, _, _ in seen[::2]]
    assert sorted(order) == sorted([first, second])
    assert [cell for _, cell, _ in seen] == ["uploading…", "synced", "uploading…", "synced"]
    assert seen[0][2].endswith("| syncing call 1 of 2")
    assert seen[2][2].endswith("| syncing call 2 of 2")
    assert (
        app.tray.icon.toolTip() == "Rep Companion: No call | policy 2026.11.1 | sync: 2 delivered"
    )
    _close(app)


@pytest.mark.usefixtures("secret_service", "pulse_testbed")
def test_a_shortened_window_is_shown_with_its_count_before_any_sweep(qtbot, tmp_path):
    from companion.edges.policy.signing import generate_keypair, sign_policy

    context, recipient, share = _synced_profile(tmp_path)
    # Only a laptop with the organisation's key fetches a policy from the store.
    private = tmp_path / "organisation-private.pem"
    generate_keypair(private, context.paths.organisation_key)
    sign_policy(context.paths.policy_override, private)
    recent = ready_call(context, "Acme", consent=True, sounds=tmp_path)
    old = ready_call(context, "Initech", consent=True, sounds=tmp_path)
    now = datetime.now(UTC)
    with context.store.begin() as db:  # as if the calls had happened weeks ago
        for call_id, days in ((recent, 20), (old, 40)):
            db.execute(
                update(CallRecord)
                .where(CallRecord.id == call_id)
                .values(started_at=now - timedelta(days=days))
            )
    app = TrayApp(context, lambda: None)
    with qtbot.waitSignal(app.sync.finished, timeout=30_000) as first:
        app.sync.sync_now()
    assert first.args == ["sync: 2 delivered"] and app.sync.warning is None
    published = share / "policy" / "policy.toml"
    published.parent.mkdir()
    published.write_text(_policy_text(recipient, "2026.12.1", local_days=14), encoding="utf-8")
    sign_policy(published, private)
    with qtbot.waitSignal(app.sync.finished, timeout=30_000):
        app.sync.sync_now()
    warning = app.sync.warning
    assert warning is not None and warning.isVisible()
    assert "Policy 2026.12.1" in warning.text()
    # The 40-day-old call was due under the old 30-day window too: only one is news.
    assert "will delete the local audio of 1 call(s)" in warning.informativeText()
    assert "about 6 hour(s)" in warning.informativeText()
    assert len(list(context.paths.recordings_dir.rglob("*.rca"))) == 2  # nothing deleted yet
    warning.library_button.click()
    assert app.windows["library"].isVisible()
    _close(app)
