"""The tray's tooltip names the policy in force, and follows an install at once: by a
sync pass (a signed policy published by the organisation) or by anything else."""

from __future__ import annotations

import pyrage

from companion.app.compose import build_context
from companion.core.calls.recorder import NullRecorder
from companion.edges.policy.files import default_policy_path
from companion.edges.policy.signing import generate_keypair, sign_policy
from companion.ui.shell.app import TrayApp


def _policy_text(recipient: str, version: str) -> str:
    text = default_policy_path().read_text(encoding="utf-8")
    text = text.replace('version = "2026.11.1"', f'version = "{version}"')
    return text + f'\n[sync]\nrecipients = ["{recipient}"]\n'


def _synced_profile(tmp_path, **options):
    """The organisation's policy 2026.11.1 in force, a shared folder as the target."""
    context = build_context(**options)
    recipient = str(pyrage.x25519.Identity.generate().to_public())
    context.paths.policy_override.write_text(_policy_text(recipient, "2026.11.1"), "utf-8")
    share = tmp_path / "share"
    share.mkdir()
    context.settings.save(context.settings.load().with_changes(sync_folder=str(share)))
    return context, recipient, share


def _close(app) -> None:
    for window in app.windows.values():
        window.close()
    app.pool.waitForDone(10_000)
    app.tray.icon.hide()


def test_a_policy_installed_by_a_sync_pass_is_in_the_tooltip_right_after(qtbot, tmp_path):
    context, recipient, share = _synced_profile(tmp_path, recorder=NullRecorder())
    private = tmp_path / "organisation-private.pem"
    generate_keypair(private, context.paths.organisation_key)
    sign_policy(context.paths.policy_override, private)
    app = TrayApp(context, lambda: None)
    assert app.tray.icon.toolTip() == "Rep Companion: No call | policy 2026.11.1 (signed)"
    published = share / "policy" / "policy.toml"
    published.parent.mkdir()
    published.write_text(_policy_text(recipient, "2026.12.1"), encoding="utf-8")
    sign_policy(published, private)
    with qtbot.waitSignal(app.sync.finished, timeout=30_000):
        app.sync.sync_now()
    assert context.messages.history[-1].text.startswith("policy 2026.12.1 installed")
    tooltip = app.tray.icon.toolTip()
    assert tooltip.startswith("Rep Companion: No call | policy 2026.12.1 (signed) | sync:")
    _close(app)


def test_a_policy_written_by_another_program_is_in_the_tooltip(qtbot, tmp_path):
    context, recipient, _share = _synced_profile(tmp_path, recorder=NullRecorder())
    app = TrayApp(context, lambda: None)
    assert "| policy 2026.11.1" in app.tray.icon.toolTip()
    # As `companion configure` or IT's tools do: another process replaces the file.
    staged = context.paths.policy_override.with_name("policy.toml.new")
    staged.write_text(_policy_text(recipient, "2026.12.2"), encoding="utf-8")
    staged.replace(context.paths.policy_override)
    qtbot.waitUntil(lambda: "| policy 2026.12.2" in app.tray.icon.toolTip(), timeout=5_000)
    context.paths.policy_override.write_text("not = [a policy", encoding="utf-8")  # in place
    qtbot.waitUntil(
        lambda: "| policy cannot be used: notes only" in app.tray.icon.toolTip(), timeout=5_000
    )
    _close(app)
