"""Organisation signatures: with a key configured, only a policy signed by that key
is in force; anything else is refused with a `signature` problem (then: notes only)."""

import base64
import shutil
from pathlib import Path

import pytest

from companion.core.policy.active import ActivePolicy
from companion.edges.policy.files import check_policy_file, default_policy_path
from companion.edges.policy.signing import generate_keypair, sign_policy, signature_path


@pytest.fixture
def keys(tmp_path: Path) -> tuple[Path, Path]:
    private, public = tmp_path / "org-key.pem", tmp_path / "org-key.pub.pem"
    generate_keypair(private, public)
    return private, public


@pytest.fixture
def policy_file(tmp_path: Path) -> Path:
    target = tmp_path / "policy" / "policy.toml"
    target.parent.mkdir()
    shutil.copyfile(default_policy_path(), target)
    return target


def refused(active: ActivePolicy, field: str) -> str:
    assert not active.usable
    assert active.policy is None
    assert active.signed is False
    assert active.error is not None
    [problem] = active.error.problems
    assert problem.field == field
    assert problem.message
    return problem.message


def test_signed_policy_is_accepted_and_reported_signed(keys, policy_file):
    private, public = keys
    sig = sign_policy(policy_file, private)
    assert sig == signature_path(policy_file) == policy_file.with_name("policy.toml.sig")
    assert len(base64.b64decode(sig.read_text(encoding="ascii").strip(), validate=True)) == 64

    active = check_policy_file(policy_file, public)
    assert active.usable
    assert active.error is None
    assert active.signed is True
    assert active.path == policy_file
    assert active.policy is not None
    assert active.policy.version == "2026.11.1"


def test_private_key_file_is_owner_only(keys):
    private, _ = keys
    assert private.stat().st_mode & 0o777 == 0o600


def test_one_tampered_byte_is_refused(keys, policy_file):
    private, public = keys
    sign_policy(policy_file, private)
    raw = bytearray(policy_file.read_bytes())
    # Flip one byte inside a string value, so the policy still parses and only the
    # signature can catch the change.
    index = raw.index(b'organisation = "Your organisation"') + len('organisation = "Y')
    assert raw[index : index + 1] == b"o"
    raw[index] = ord("0")
    policy_file.write_bytes(bytes(raw))

    message = refused(check_policy_file(policy_file, public), "signature")
    assert "does not match" in message


def test_appended_content_is_refused(keys, policy_file):
    private, public = keys
    sign_policy(policy_file, private)
    with policy_file.open("ab") as handle:
        handle.write(b"\n# harmless-looking comment\n")
    refused(check_policy_file(policy_file, public), "signature")


def test_missing_signature_is_refused(keys, policy_file):
    _, public = keys
    assert not signature_path(policy_file).exists()
    message = refused(check_policy_file(policy_file, public), "signature")
    assert "missing" in message


def test_signature_from_another_key_is_refused(tmp_path, keys, policy_file):
    _, public = keys
    other_private, other_public = tmp_path / "other.pem", tmp_path / "other.pub.pem"
    generate_keypair(other_private, other_public)
    sign_policy(policy_file, other_private)
    # The other key's own public key accepts it: the signature itself is fine.
    assert check_policy_file(policy_file, other_public).signed
    message = refused(check_policy_file(policy_file, public), "signature")
    assert "does not match" in message


@pytest.mark.parametrize("garbage", ["this is not base64!!!\n", "QUJD=\n=", "", "%%%%\n"], ids=repr)
def test_garbage_base64_signature_is_refused(keys, policy_file, garbage):
    private, public = keys
    sign_policy(policy_file, private)
    signature_path(policy_file).write_text(garbage, encoding="ascii")
    message = refused(check_policy_file(policy_file, public), "signature")
    assert "base64" in message or "does not match" in message


def test_well_formed_base64_of_the_wrong_length_is_refused(keys, policy_file):
    _, public = keys
    signature_path(policy_file).write_text(base64.b64encode(b"abc").decode() + "\n")
    message = refused(check_policy_file(policy_file, public), "signature")
    assert "does not match" in message


def test_binary_garbage_signature_is_refused_not_raised(keys, policy_file):
    """BUG: verify_policy_file reads the .sig with `read_text(encoding="ascii")`, so a
    .sig holding non-ASCII bytes raises UnicodeDecodeError out of check_policy_file
    instead of being refused as a bad signature."""
    _, public = keys
    signature_path(policy_file).write_bytes(b"\xff\xfe\x00 not a signature")
    refused(check_policy_file(policy_file, public), "signature")


def test_unreadable_organisation_key_is_refused(tmp_path, keys, policy_file):
    private, _ = keys
    sign_policy(policy_file, private)
    not_a_key = tmp_path / "broken-key.pem"
    not_a_key.write_text("-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n")
    active = check_policy_file(policy_file, not_a_key)
    assert not active.usable
    assert active.signed is False
    assert active.error is not None
    [problem] = active.error.problems
    # The problem names the key file (as its field) and says what is wrong with it.
    assert problem.field == str(not_a_key)
    assert problem.message.startswith("cannot read the organisation key")


def test_without_a_key_an_unsigned_policy_is_accepted_and_reported_unsigned(policy_file):
    assert not signature_path(policy_file).exists()
    active = check_policy_file(policy_file, None)
    assert active.usable
    assert active.error is None
    assert active.signed is False


def test_with_a_key_an_invalid_but_signed_policy_is_still_refused(keys, policy_file):
    private, public = keys
    text = policy_file.read_text(encoding="utf-8")
    assert "local_days = 14" in text
    policy_file.write_text(text.replace("local_days = 14", "local_days = 0"), encoding="utf-8")
    sign_policy(policy_file, private)
    active = check_policy_file(policy_file, public)
    assert not active.usable
    assert active.error is not None
    assert [p.field for p in active.error.problems] == ["retention.coaching.local_days"]
