"""The trust anchor: the organisation's keys and policy, and what a rep's own files can do.

A rep with odd local files (a key moved away, an edited policy, an older signed policy
copied back, their own key beside IT's) never gets a policy the organisation did not
sign into force; an IT admin gets one-line errors, never a traceback.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pyrage
import pytest
from peers.commands import companion

from companion.app.doctor import check_policy
from companion.app.sync.policy_refresh import refresh_policy
from companion.app.sync.sync_pass import SyncRefused, sync_pass
from companion.edges.paths import AppPaths
from companion.edges.policy import signing
from companion.edges.policy.files import default_policy_path, load_active_policy
from companion.edges.policy.signing import generate_keypair, sign_policy, signature_path
from companion.edges.sync.folder_target import FolderTarget


def keys_in(folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    private, public = folder / "organisation-private.pem", folder / "organisation-key.pem"
    generate_keypair(private, public)
    return private, public


def policy_text(version: str, extra: str = "") -> str:
    text = default_policy_path().read_text(encoding="utf-8")
    return text.replace('version = "2026.11.1"', f'version = "{version}"') + extra


def write_signed(path: Path, text: str, private: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    sign_policy(path, private)
    return path


def publish(share: Path, text: str, private: Path) -> None:
    write_signed(share / "policy" / "policy.toml", text, private)


@pytest.fixture
def org(tmp_path) -> tuple[Path, Path]:
    return keys_in(tmp_path / "org-keys")


def test_moving_the_organisation_key_away_never_makes_an_edited_policy_the_one_in_force(
    context, org
):
    private, public = org
    paths = context.paths
    shutil.copy(public, paths.organisation_key)
    write_signed(paths.policy_override, policy_text("2026.12.1"), private)
    assert context.active_policy().policy.version == "2026.12.1"

    paths.organisation_key.rename(paths.config_dir / "moved-away.pem")
    edited = policy_text("2026.12.1").replace(
        "recording_enabled = true", "recording_enabled = true"
    )
    paths.policy_override.write_text(edited + "\n# edited by the rep\n", encoding="utf-8")
    active = context.active_policy()
    assert active.policy is None
    assert "the organisation key is missing" in active.error.describe()
    signature_path(paths.policy_override).unlink()  # the .sig gone too: still refused
    assert context.active_policy().policy is None
    with pytest.raises(SyncRefused):
        sync_pass(context)
    said = check_policy(paths)  # doctor's policy line (the whole doctor probes audio too)
    assert not said.ok and "ask IT to put the key back" in said.detail


def test_it_key_and_policy_win_over_the_reps_own_key_and_policy(context, org, tmp_path):
    private, public = org
    paths = context.paths
    system = paths.system_config
    (system / "organisation-keys").mkdir(parents=True)
    shutil.copy(public, system / "organisation-keys" / "org.pem")
    write_signed(system / "policy.toml", policy_text("2026.12.1"), private)
    # The rep's own key pair, and a newer policy signed with it, in the rep's folder.
    rep_private, rep_public = keys_in(tmp_path / "rep-keys")
    shutil.copy(rep_public, paths.organisation_key)
    write_signed(paths.policy_override, policy_text("9999.1.1"), rep_private)

    active = context.active_policy()
    assert active.policy.version == "2026.12.1" and active.path == system / "policy.toml"
    said = check_policy(paths)
    assert said.ok and "installed by IT" in said.detail and "ignored" in said.detail


def test_a_newer_policy_from_the_store_replaces_the_managed_one_only_when_it_signed_it(
    context, org, tmp_path
):
    private, public = org
    paths = context.paths
    (paths.system_config / "organisation-keys").mkdir(parents=True)
    shutil.copy(public, paths.system_config / "organisation-keys" / "org.pem")
    write_signed(paths.system_config / "policy.toml", policy_text("2026.12.1"), private)
    share = tmp_path / "share"
    publish(share, policy_text("2027.1.1"), private)
    result = refresh_policy(paths, FolderTarget(share), context.store, "rep")
    assert result.changed and context.active_policy().policy.version == "2027.1.1"


def test_an_older_signed_policy_copied_back_by_the_rep_is_refused(context, org):
    private, public = org
    paths = context.paths
    shutil.copy(public, paths.organisation_key)
    write_signed(paths.policy_override, policy_text("2026.12.1"), private)
    assert context.active_policy().policy.version == "2026.12.1"  # remembered from now on
    write_signed(paths.policy_override, policy_text("2026.11.1"), private)
    active = context.active_policy()
    assert active.policy is None and "never rolled back" in active.error.describe()


def test_deleting_the_remembered_version_does_not_open_the_door_to_a_rollback(
    context, org, tmp_path
):
    private, public = org
    paths = context.paths
    shutil.copy(public, paths.organisation_key)
    share = tmp_path / "share"
    target = FolderTarget(share)
    publish(share, policy_text("2026.12.1", "\n[sync]\nrecipients = []\n"), private)
    assert refresh_policy(paths, target, context.store, "rep").changed

    old = policy_text("2026.11.1").replace("recording_enabled = true", "recording_enabled = false")
    publish(share, old, private)
    paths.policy_state.unlink()  # the rep deletes what the app remembered
    refused = refresh_policy(paths, target, context.store, "rep")
    assert refused.refused and "older than 2026.12.1 (a rollback)" in refused.message
    # ... and the installed policy too: the audit trail still knows 2026.12.1 was in force.
    paths.policy_state.unlink()
    paths.policy_override.unlink()
    signature_path(paths.policy_override).unlink()
    again = refresh_policy(paths, target, context.store, "rep")
    assert again.refused and "older than 2026.12.1" in again.message


def test_a_refused_published_policy_is_a_warning_said_once_and_sync_exits_5(context, org, tmp_path):
    private, public = org
    shutil.copy(public, context.paths.organisation_key)
    recipient = f'\n[sync]\nrecipients = ["{pyrage.x25519.Identity.generate().to_public()}"]\n'
    write_signed(context.paths.policy_override, policy_text("2026.12.1", recipient), private)
    share = tmp_path / "share"
    (share / "policy").mkdir(parents=True)
    (share / "policy" / "policy.toml").write_text(policy_text("2027.1.1"), encoding="utf-8")
    context.settings.save(context.settings.load().with_changes(sync_folder=str(share)))
    first = refresh_policy(context.paths, FolderTarget(share), context.store, "rep")
    second = refresh_policy(context.paths, FolderTarget(share), context.store, "rep")
    assert first.refused and not first.repeated and second.refused and second.repeated
    done = companion("sync")
    assert done.returncode == 5 and "warning: the published policy was refused" in done.stderr
    assert "Traceback" not in done.stderr


def test_sync_without_recipients_exits_3(context):
    done = companion("sync")
    assert done.returncode == 3 and "not set up" in done.stdout, done.stdout + done.stderr


def test_policy_check_on_a_deeply_nested_file_is_one_line_not_a_traceback(tmp_path):
    hostile = tmp_path / "policy.toml"
    hostile.write_bytes(b"version = " + b"[" * 5000 + b"]" * 5000 + b"\n")
    done = companion("policy", "check", str(hostile))
    assert done.returncode == 1 and "nested too deeply" in done.stderr
    assert "Traceback" not in done.stderr
    huge = tmp_path / "huge.toml"
    huge.write_bytes(b"#" * (1024 * 1024))
    done = companion("policy", "check", str(huge))
    assert done.returncode == 1 and "larger than 256 KB" in done.stderr


def test_policy_sign_with_the_public_key_or_no_key_says_so_in_one_line(tmp_path, org):
    _private, public = org
    policy = tmp_path / "policy.toml"
    policy.write_text(policy_text("2026.12.1"), encoding="utf-8")
    for key, said in ((public, "this is the public key"), (tmp_path / "nope.pem", "cannot read")):
        done = companion("policy", "sign", str(policy), "--private-key", str(key))
        assert done.returncode == 2 and said in done.stderr, done.stderr
        assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not signature_path(policy).exists()


def test_keygen_never_writes_a_private_key_inside_a_git_work_tree(tmp_path):
    repo = tmp_path / "policies"
    (repo / ".git").mkdir(parents=True)
    done = companion("policy", "keygen", "--out-dir", str(repo / "keys"))
    assert done.returncode == 1 and "inside the git work tree" in done.stderr
    assert not (repo / "keys").exists()


def test_the_private_key_is_never_readable_by_others_even_for_a_moment(tmp_path, monkeypatch):
    # Were the file made under the umask and chmod-ed after, a chmod that never came
    # (a crash between the two) would leave it world-readable: take chmod away.
    monkeypatch.setattr(Path, "chmod", lambda self, mode: None)
    old = os.umask(0o022)
    try:
        generate_keypair(tmp_path / "private.pem", tmp_path / "public.pem")
    finally:
        os.umask(old)
    assert oct((tmp_path / "private.pem").stat().st_mode & 0o777) == "0o600"


def test_a_key_rotation_accepts_a_policy_signed_by_either_installed_key(context, tmp_path):
    paths: AppPaths = context.paths
    old_private, old_public = keys_in(tmp_path / "2026")
    new_private, new_public = keys_in(tmp_path / "2027")
    folder = paths.system_config / "organisation-keys"
    folder.mkdir(parents=True)
    shutil.copy(old_public, folder / "2026.pem")
    shutil.copy(new_public, folder / "2027.pem")
    write_signed(paths.policy_override, policy_text("2026.12.1"), old_private)
    assert context.active_policy().policy.version == "2026.12.1"
    write_signed(paths.policy_override, policy_text("2027.1.1"), new_private)
    assert context.active_policy().policy.version == "2027.1.1"
    assert signing.MAX_SIGNATURE_BYTES < 4096


@pytest.fixture
def etc_folder(tmp_path):
    """A real folder under /etc, where the ownership rules apply (root only, as IT has)."""
    if os.geteuid() != 0:
        pytest.skip("only root can make a folder under /etc, as IT's package does")
    folder = Path("/etc") / f"rep-companion-test-{tmp_path.name}"
    folder.mkdir(mode=0o755)
    yield folder
    shutil.rmtree(folder)


def test_keys_under_etc_that_someone_other_than_root_can_change_are_not_trusted(
    context, org, etc_folder
):
    """IT's folder wins over the rep's only while only root can change it (issue 26)."""
    private, public = org
    keys = etc_folder / "organisation-keys"
    keys.mkdir(mode=0o755)
    shutil.copy(public, keys / "org.pem")
    os.chmod(keys / "org.pem", 0o644)
    write_signed(etc_folder / "policy.toml", policy_text("2026.12.1"), private)
    for file in (etc_folder / "policy.toml", signature_path(etc_folder / "policy.toml")):
        os.chmod(file, 0o644)
    paths = AppPaths(
        context.paths.data_dir, context.paths.config_dir, context.paths.log_dir, etc_folder
    )
    assert check_policy(paths).ok  # root's own folder: trusted
    os.chown(keys / "org.pem", 65534, 65534)  # a key file another account can rewrite
    said = check_policy(paths)
    assert not said.ok and "can be changed by someone other than root" in said.detail
    active = load_active_policy(paths)  # no policy in force: the companion does not record
    assert active.policy is None and active.error is not None
    os.chown(keys / "org.pem", 0, 0)
    os.chmod(etc_folder, 0o775)  # a group-writable folder: same refusal
    assert "someone other than root" in check_policy(paths).detail
