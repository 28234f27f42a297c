"""IT's settings on three OSes: the same schema keys, only from places a rep cannot write."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from platform_fakes import FakePreferences, FakeRegistry

from companion.edges.platform.choose import managed_settings_for
from companion.edges.platform.managed import (
    EtcManagedSettings,
    ManagedSettingsError,
)
from companion.edges.platform.managed_macos import PreferencesManagedSettings
from companion.edges.platform.managed_schema import PREFERENCES_DOMAIN, REGISTRY_KEY, SETTINGS
from companion.edges.platform.managed_windows import RegistryManagedSettings


def public_pem() -> str:
    key = Ed25519PrivateKey.generate().public_key()
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def body(pem: str) -> str:
    """What IT pastes into a Group Policy list or a profile string: the base64 line."""
    return "".join(line for line in pem.splitlines() if not line.startswith("-----"))


FIRST, SECOND = public_pem(), public_pem()
TEXTS = {
    "SyncFolder": "/srv/org-share/rep-calls",
    "RepIdentitySource": "managed",
    "Rep": "alice.martin@example.com",
}


def windows(registry: FakeRegistry) -> RegistryManagedSettings:
    return RegistryManagedSettings(registry)


def test_group_policy_values_read_as_the_schema_names_them_with_usable_keys():
    registry = FakeRegistry(
        {
            ("HKLM", REGISTRY_KEY): {**TEXTS, "PolicyLocation": r"C:\ProgramData\Rep\policy.toml"},
            ("HKLM", REGISTRY_KEY + r"\OrganisationKeys"): {"2": body(SECOND), "1": body(FIRST)},
        }
    )
    found = windows(registry).read()
    assert found.managed and found.origin == rf"HKLM\{REGISTRY_KEY}"
    assert found.text("SyncFolder") == "/srv/org-share/rep-calls"
    assert found.text("Rep") == "alice.martin@example.com"
    keys = [serialization.load_pem_public_key(k.encode()) for k in found.texts("OrganisationKeys")]
    assert all(isinstance(k, Ed25519PublicKey) for k in keys)
    assert [k.strip() for k in found.texts("OrganisationKeys")] == [FIRST.strip(), SECOND.strip()]
    assert {hive for hive, _ in registry.reads} == {"HKLM"}  # never the rep's own hive


def test_a_rep_writing_the_same_values_under_hkcu_manages_nothing():
    registry = FakeRegistry({("HKCU", REGISTRY_KEY): {"SyncFolder": r"C:\Users\rep\fake"}})
    found = windows(registry).read()
    assert not found.managed and found.text("SyncFolder") is None


def test_a_registry_that_says_no_is_an_error_with_a_fix_not_silence():
    with pytest.raises(ManagedSettingsError) as refused:
        windows(FakeRegistry({}, refuse=True)).read()
    assert "cannot be read" in refused.value.message and "group policy" in refused.value.fix


@pytest.mark.parametrize(
    "values",
    [
        {"SyncFolderr": "typo"},
        {"SyncFolder": "/a", "SyncBucket": "b"},
        {"RepIdentitySource": "guess"},
        {"Rep": 42},
    ],
)
def test_a_value_outside_the_schema_is_refused(values):
    with pytest.raises(ManagedSettingsError):
        windows(FakeRegistry({("HKLM", REGISTRY_KEY): values})).read()


def test_macos_counts_only_values_a_profile_forces():
    preferences = FakePreferences(
        {**TEXTS, "OrganisationKeys": [body(FIRST)], "SyncBucket": "planted-by-rep"},
        forced={"SyncFolder", "RepIdentitySource", "Rep", "OrganisationKeys"},
    )
    found = PreferencesManagedSettings(preferences).read()
    assert found.text("SyncBucket") is None  # `defaults write` by the rep: not forced
    assert found.text("SyncFolder") == TEXTS["SyncFolder"]
    assert [k.strip() for k in found.texts("OrganisationKeys")] == [FIRST.strip()]
    assert {domain for _, domain in preferences.asked} == {PREFERENCES_DOMAIN}
    assert {key for key, _ in preferences.asked} == {s.key for s in SETTINGS}


def etc_folder(tmp_path):
    (tmp_path / "organisation-keys").mkdir()
    (tmp_path / "organisation-keys" / "a.pem").write_text(FIRST)
    (tmp_path / "organisation-keys" / "b.pem").write_text(SECOND)
    (tmp_path / "policy.toml").write_text("# the managed policy\n")
    (tmp_path / "managed.toml").write_text(
        '[sync]\nfolder = "/srv/org-share/rep-calls"\n\n'
        '[identity]\nsource = "managed"\nrep = "alice.martin@example.com"\n'
    )
    return tmp_path


def test_the_three_oses_describe_the_same_settings_the_same_way(tmp_path):
    linux = EtcManagedSettings(etc_folder(tmp_path)).read().values
    policy = str(tmp_path / "policy.toml")
    win = windows(
        FakeRegistry(
            {
                ("HKLM", REGISTRY_KEY): {**TEXTS, "PolicyLocation": policy},
                ("HKLM", REGISTRY_KEY + r"\OrganisationKeys"): {"1": FIRST, "2": SECOND},
            }
        )
    ).read()
    every = {**TEXTS, "PolicyLocation": policy, "OrganisationKeys": [FIRST, SECOND]}
    mac = PreferencesManagedSettings(FakePreferences(every, set(every))).read()
    assert linux == win.values == mac.values
    assert set(linux) <= {s.key for s in SETTINGS}


def test_a_typo_in_managed_toml_is_refused(tmp_path):
    (tmp_path / "managed.toml").write_text('[sync]\nfoldr = "/srv"\n')
    with pytest.raises(ManagedSettingsError, match=r"sync\.foldr"):
        EtcManagedSettings(tmp_path).read()


def test_linux_reads_the_folder_the_environment_names(tmp_path, monkeypatch):
    monkeypatch.setenv("COMPANION_SYSTEM_CONFIG", str(etc_folder(tmp_path)))
    found = managed_settings_for("linux").read()
    assert found.text("Rep") == "alice.martin@example.com"
    assert isinstance(managed_settings_for("win32"), RegistryManagedSettings)
    assert isinstance(managed_settings_for("darwin"), PreferencesManagedSettings)
