"""`companion policy check|keygen|sign|verify` as an IT admin would run them."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from peers.commands import companion as run_companion

from companion.edges.paths import AppPaths
from companion.edges.policy.files import default_policy_path


def companion(home, *args: str) -> subprocess.CompletedProcess[str]:
    return run_companion(*args, home=home)


@pytest.fixture
def policy(tmp_path):
    copy = tmp_path / "policy.toml"
    shutil.copy(default_policy_path(), copy)
    return copy


def test_check_accepts_the_default_policy(tmp_path):
    done = companion(tmp_path, "policy", "check", str(default_policy_path()))
    assert done.returncode == 0
    assert "policy 2026.11.1 is valid" in done.stdout


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("[recording]", "[recording", "(syntax)"),
        ("max_minutes = 120", "max_minutes = 120\nmax_minuts = 5", "recording.max_minuts"),
        (
            "organisation_days = 90",
            "organisation_days = -90",
            "retention.coaching.organisation_days",
        ),
        ('retention = "coaching"', 'retention = "weekly"', "call_types.handoff.retention"),
        ("[jurisdictions.FR]", "[jurisdictions.QQ]", "jurisdictions.QQ"),
    ],
)
def test_check_rejects_with_the_file_and_the_field(tmp_path, policy, old, new, field):
    text = policy.read_text(encoding="utf-8")
    assert old in text
    policy.write_text(text.replace(old, new, 1), encoding="utf-8")
    done = companion(tmp_path, "policy", "check", str(policy))
    assert done.returncode == 1
    assert done.stderr.startswith(f"{policy}: policy rejected")
    assert f"  {field}: " in done.stderr


def test_keygen_sign_verify_and_tamper(tmp_path, policy):
    keys = tmp_path / "keys"
    assert companion(tmp_path, "policy", "keygen", "--out-dir", str(keys)).returncode == 0
    private, public = keys / "organisation-private.pem", keys / "organisation-key.pem"
    assert oct(private.stat().st_mode & 0o777) == "0o600"
    signed = companion(tmp_path, "policy", "sign", str(policy), "--private-key", str(private))
    assert signed.returncode == 0, signed.stderr
    assert (
        companion(tmp_path, "policy", "verify", str(policy), "--public-key", str(public)).returncode
        == 0
    )
    checked = companion(tmp_path, "policy", "check", str(policy), "--public-key", str(public))
    assert "signature valid" in checked.stdout
    policy.write_text(policy.read_text(encoding="utf-8").replace("120", "480"), encoding="utf-8")
    done = companion(tmp_path, "policy", "verify", str(policy), "--public-key", str(public))
    assert done.returncode == 1 and "does not match the policy" in done.stderr
    done = companion(tmp_path, "policy", "check", str(policy), "--public-key", str(public))
    assert done.returncode == 1 and "  signature: does not match" in done.stderr


def test_a_configured_organisation_key_makes_an_unsigned_policy_unusable(tmp_path, policy):
    paths = AppPaths.from_environment({"COMPANION_HOME": str(tmp_path)})
    paths.ensure()
    assert (
        companion(tmp_path, "policy", "keygen", "--out-dir", str(paths.config_dir)).returncode == 0
    )
    done = companion(tmp_path, "policy", "check", str(policy))
    assert done.returncode == 1
    assert "  signature: missing (an organisation key is configured)" in done.stderr


def test_sign_refuses_an_invalid_policy(tmp_path, policy):
    companion(tmp_path, "policy", "keygen", "--out-dir", str(tmp_path))
    policy.write_text("version = 1\n", encoding="utf-8")
    done = companion(
        tmp_path,
        "policy",
        "sign",
        str(policy),
        "--private-key",
        str(tmp_path / "organisation-private.pem"),
    )
    assert done.returncode == 1
    assert not (tmp_path / "policy.toml.sig").exists()


def test_keygen_needs_a_folder_and_never_writes_into_the_current_one(tmp_path):
    done = companion(tmp_path, "policy", "keygen")
    assert done.returncode == 2 and "--out-dir" in done.stderr
    assert not list(tmp_path.glob("*.pem"))


def test_help_says_what_companion_alone_does_and_every_option_is_explained(tmp_path):
    top = companion(tmp_path, "--help")
    assert top.returncode == 0 and "With no command it starts the tray app" in top.stdout
    assert "examples:" in top.stdout
    assert companion(tmp_path, "--version").stdout.startswith("companion ")
    verbs = [
        ["doctor"],
        ["recover"],
        ["policy", "check"],
        ["policy", "keygen"],
        ["policy", "sign"],
        ["policy", "verify"],
        ["sync"],
        ["retention", "sweep"],
        ["export"],
        ["audit", "verify"],
        ["audit", "export"],
    ]
    for verb in verbs:
        text = companion(tmp_path, *verb, "--help").stdout
        options = [line for line in text.splitlines() if line.startswith("  ")]
        for index, line in enumerate(options):  # an option line, then its help (same or next)
            words = line.split()
            if not words or not (words[0].startswith("-") or words[0].islower()):
                continue
            explained = len(line.split("  ")) > 2 or (
                index + 1 < len(options) and options[index + 1].startswith("      ")
            )
            assert explained, f"{' '.join(verb)}: {line.strip()} has no help"
