"""Settings → sync: the test button says exactly what is wrong, credentials go to the keyring."""

from __future__ import annotations

import socket

import pyrage
from call_helpers import organisation_policy

from companion.app.compose import build_context
from companion.ui.shell.app import TrayApp


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_refused_connection_is_named_and_keys_go_to_the_keyring(qtbot, secret_service):
    from companion.ui.settings.sync_settings import SyncSettings

    context = build_context()
    organisation_policy(context, str(pyrage.x25519.Identity.generate().to_public()))
    app = TrayApp(context, lambda: None)
    window = app.open_window("settings")
    box = window.findChild(SyncSettings)
    assert box is not None
    box.bucket.setText("calls")
    box.endpoint.setText(f"http://127.0.0.1:{free_port()}")
    box.region.setText("eu-west-1")
    box.access_key.setText("AKIDEXAMPLE")
    box.secret_key.setText("s3cr3t")
    box.test()
    qtbot.waitUntil(lambda: box.test_button.isEnabled(), timeout=30_000)
    assert "refused" in box.result.text().lower()
    assert box.secret_key.text() == ""  # not left in the widget
    settings = app.context.settings.load()
    assert settings.s3_bucket == "calls"
    assert "s3cr3t" not in app.context.paths.settings_file.read_text(encoding="utf-8")
    from companion.edges.secrets import SecretStore

    assert SecretStore().get("s3-secret-access-key") == "s3cr3t"
    window.close()
    app.pool.waitForDone(10_000)
    app.tray.icon.hide()


def test_a_missing_folder_is_named(qtbot, tmp_path):
    from companion.ui.settings.sync_settings import SyncSettings

    context = build_context()
    organisation_policy(context, str(pyrage.x25519.Identity.generate().to_public()))
    app = TrayApp(context, lambda: None)
    box = app.open_window("settings").findChild(SyncSettings)
    box.folder.setText(str(tmp_path / "not-mounted"))
    box.test()
    qtbot.waitUntil(lambda: box.test_button.isEnabled(), timeout=30_000)
    assert "does not exist" in box.result.text()
    app.windows["settings"].close()
    app.tray.icon.hide()
