"""Settings shows what IT manages as "managed by your organisation", and keeps it."""

from __future__ import annotations

import pytest

from companion.edges.managed import MANAGED_LABEL
from companion.ui.settings.settings_window import SettingsWindow
from companion.ui.settings.sync_settings import SyncSettings
from companion.ui.shell.app import TrayApp

# Settings lists capture devices: PortAudio must first meet the PulseAudio testbed, or it
# keeps an empty list for the whole process (and the device tests after this one fail).
pytestmark = pytest.mark.usefixtures("pulse_testbed")


def test_a_managed_target_and_rep_are_shown_and_cannot_be_changed(
    qtbot, companion_home, make_context, tmp_path
):
    system = companion_home.parent / "system-config"
    system.mkdir(exist_ok=True)
    share = tmp_path / "it-share"
    (system / "managed.toml").write_text(
        f'[sync]\nfolder = "{share}"\n[identity]\nsource = "managed"\nrep = "alice@example.com"\n'
    )
    context = make_context()
    app = TrayApp(context, lambda: None)
    window = app.open_window("settings")
    assert isinstance(window, SettingsWindow)
    box = window.findChild(SyncSettings)
    assert box is not None
    assert box.folder.text() == str(share)
    assert box.folder.isReadOnly() and box.bucket.isReadOnly()
    assert f"{share} ({MANAGED_LABEL})" in box.source.text()
    assert window.rows["Rep"] == f"alice@example.com ({MANAGED_LABEL})"
    box.folder.setText(str(tmp_path / "mine"))  # even if the widget were edited somehow
    box.save()
    assert context.settings.load().sync_folder is None
    window.close()
    app.pool.waitForDone(10_000)
    app.tray.icon.hide()
