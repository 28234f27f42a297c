"""IT's /etc/rep-companion (here a temporary system folder): managed settings win, the
rep cannot change them, typos are refused, and the rep's own key or policy never
outranks IT's."""

from __future__ import annotations

import io

import pytest

from companion import cli
from companion.app.sync.sync_pass import sync_target
from companion.edges.managed import ManagedSettingsError
from companion.edges.policy.files import default_policy_path, load_active_policy
from companion.edges.policy.signing import generate_keypair, sign_policy
from companion.edges.secrets import SERVICE_NAME
from companion.edges.settings import SettingsError
from companion.edges.sync.folder_target import FolderTarget

MANAGED = """[sync]
folder = "{share}"

[identity]
source = "managed"
rep = "alice.martin@example.com"
"""


@pytest.fixture
def system(companion_home):
    folder = companion_home.parent / "system-config"
    folder.mkdir(exist_ok=True)
    return folder


def test_managed_target_and_identity_win_over_the_reps_settings(system, make_context, tmp_path):
    (system / "managed.toml").write_text(MANAGED.format(share=tmp_path / "it-share"))
    context = make_context()
    context.settings.save(context.settings.load().with_changes(sync_folder=str(tmp_path / "own")))
    assert context.rep == "alice.martin@example.com"  # not the login name
    target = sync_target(context)
    assert isinstance(target, FolderTarget) and target.root == tmp_path / "it-share"


def test_the_rep_cannot_change_a_managed_target(system, tmp_path, capsys):
    (system / "managed.toml").write_text(MANAGED.format(share=tmp_path / "it-share"))
    assert cli.main(["configure", "--sync-folder", str(tmp_path / "mine")]) == 2
    assert "managed by your organisation" in capsys.readouterr().err
    assert cli.main(["configure"]) == 0
    shown = capsys.readouterr().out
    assert "rep:          alice.martin@example.com (managed by your organisation" in shown
    assert f"sync target:  folder {tmp_path / 'it-share'} (managed by your organisation" in shown


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ('[sync]\nfoldr = "/srv/x"\n', "sync.foldr: unknown key"),
        ('[identity]\nsource = "managed"\n', "needs the rep's id"),
        ('[sync]\nfolder = "/a"\nbucket = "org-calls"\n', "either a 'folder' or a 'bucket'"),
        ("[sync\n", "not valid TOML"),
    ],
)
def test_a_wrong_managed_file_stops_the_start_with_its_fault(system, make_context, text, named):
    (system / "managed.toml").write_text(text)
    with pytest.raises(ManagedSettingsError, match=r"managed\.toml") as refused:
        make_context()
    assert named in str(refused.value)


def test_an_unknown_key_in_the_reps_settings_is_refused_not_ignored(companion_home, make_context):
    settings = companion_home / "config" / "settings.json"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text('{"sync_folder": "/srv/x", "s3_bukcet": "org-calls"}')
    with pytest.raises(SettingsError, match="s3_bukcet"):
        make_context()


def test_without_the_reps_copy_of_the_key_an_unsigned_policy_is_still_refused(
    system, make_context, tmp_path
):
    """The laptop has IT's key in /etc and once had a copy in the rep's folder; the copy
    goes: the rep's unsigned policy must not become the policy in force."""
    (system / "organisation-keys").mkdir()
    generate_keypair(tmp_path / "org-private.pem", system / "organisation-keys" / "org.pem")
    context = make_context()
    rep_copy = context.paths.organisation_key
    rep_copy.write_bytes((system / "organisation-keys" / "org.pem").read_bytes())
    unsigned = default_policy_path().read_text().replace("2026.11.1", "2099.1.1")
    context.paths.policy_override.write_text(unsigned)
    rep_copy.unlink()
    active = load_active_policy(context.paths)
    assert active.policy is None  # notes only: the unsigned policy is refused
    assert active.error is not None and "signature" in active.error.describe().lower()

    # IT's signed policy beside the key is what is in force, whatever the rep's folder holds.
    (system / "policy.toml").write_text(default_policy_path().read_text())
    sign_policy(system / "policy.toml", tmp_path / "org-private.pem")
    active = load_active_policy(context.paths)
    assert active.policy is not None and active.path == system / "policy.toml"
    assert active.policy.version == "2026.11.1"


def test_configure_puts_s3_keys_from_stdin_into_the_keyring(
    companion_home, secret_service, monkeypatch, capsys
):
    import keyring

    monkeypatch.setattr("sys.stdin", io.StringIO("AKIDLAPTOP01\nverysecret\n"))
    assert cli.main(["configure", "--s3-credentials-from-stdin"]) == 0
    assert keyring.get_password(SERVICE_NAME, "s3-access-key-id") == "AKIDLAPTOP01"
    assert keyring.get_password(SERVICE_NAME, "s3-secret-access-key") == "verysecret"
    assert "verysecret" not in capsys.readouterr().out
    assert not any("verysecret" in p.read_text() for p in companion_home.rglob("*.json"))
    monkeypatch.setattr("sys.stdin", io.StringIO("only-one-line\n"))
    assert cli.main(["configure", "--s3-credentials-from-stdin"]) == 2
    assert keyring.get_password(SERVICE_NAME, "s3-secret-access-key") == "verysecret"
