"""The review desk end to end: a rep's companion syncs signed packages to a folder, the
desk service (the one holder of the organisation's key) ingests them once the device is
enrolled, and a manager's `companion desk` (its own profile and Secret Service keyring,
in a subprocess) reads through the service; the rep sees every access receipt. No
reviewer's keyring or profile holds anything that decrypts a package."""

from __future__ import annotations

import base64
import re

import pyrage
import pytest
from desk_world import alices_call, book, carols_call
from peers.commands import companion

from companion.app.sync.sync_pass import sync_once
from companion.desk.app.ingest import ingest

pytestmark = pytest.mark.usefixtures("secret_service")
WHY = ("--purpose", "coaching", "--reason", "objection handling")


def admin(world, *args: str):
    done = companion("desk", *args, "--config", str(world.config_file()))
    assert done.returncode == 0, done.stderr
    return done


def test_a_manager_reads_own_team_calls_through_the_service_and_the_rep_sees_it(
    rep, desk, world, served, make_context, monkeypatch, tmp_path
):
    service, _url = served
    mine = alices_call(rep)  # her companion makes and publishes its device key, signs
    theirs = carols_call(make_context, monkeypatch, world.org, world.store_dir, tmp_path)
    report = ingest(service)
    assert report.quarantined == {
        mine: "it is signed by a device that is not enrolled",
        theirs: "it is not signed by an enrolled device",  # carol's packaging signs nothing
    }
    assert desk.listed() == []
    device = (world.store_dir / "reps" / "alice" / "device.txt").read_text().strip()
    admin(world, "enrol-device", "--rep", "alice", "--key", device)
    assert ingest(service).listed == 1
    assert desk.listed() == [mine]
    opened = desk.run("open", mine, *WHY)
    assert "Acme (Discovery call)" in opened.stdout and "Acme: exports are slow" in opened.stdout
    refused = desk.run("open", theirs, *WHY, ok=False)
    assert f"There is no call '{theirs}' among the calls you may see" in refused.stderr
    sync_once(rep)
    (receipt,) = book(rep).receipts
    assert receipt.describe().startswith("Viewed by Dana Lee (manager, coaching: ")
    assert book(rep).warnings == []


def test_setup_with_the_organisation_identity_is_refused_with_the_reason(desk, world):
    identity = desk.home / "org-identity.txt"
    identity.write_text(str(world.org.age) + "\n")
    done = desk.run("setup", "--reviewer", "dana", "--organisation-identity", str(identity),
                    ok=False)  # fmt: skip
    assert "Reviewers no longer hold the organisation's identity" in done.stderr
    assert "the desk service is its only holder" in done.stderr


def _bech32_identity(raw: bytes) -> str:
    """`raw` as an age identity (AGE-SECRET-KEY-1...): any 32 bytes are an X25519 key."""
    charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

    def polymod(values):
        gen = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
        chk = 1
        for value in values:
            top = chk >> 25
            chk = (chk & 0x1FFFFFF) << 5 ^ value
            for i in range(5):
                chk ^= gen[i] if ((top >> i) & 1) else 0
        return chk

    bits = "".join(f"{byte:08b}" for byte in raw)
    data = [int(bits[i : i + 5].ljust(5, "0"), 2) for i in range(0, len(bits), 5)]
    hrp = "age-secret-key-"
    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    check = polymod([*expanded, *data, 0, 0, 0, 0, 0, 0]) ^ 1
    data += [(check >> 5 * (5 - i)) & 31 for i in range(6)]
    return (hrp + "1" + "".join(charset[d] for d in data)).upper()


def _candidates(text: str) -> set[str]:
    """Every age identity a secret or file could be, or hide."""
    found = set(re.findall(r"AGE-SECRET-KEY-1[0-9A-Z]+", text))
    for token in re.findall(r"[A-Za-z0-9+/=]{40,}", text):
        try:
            raw = base64.b64decode(token, validate=True)
        except ValueError:
            continue
        if len(raw) == 32:
            found.add(_bech32_identity(raw))
    return found


def test_no_reviewer_keyring_or_profile_holds_a_key_that_decrypts_a_package(
    desk, desk_keyring, world, served
):
    package = world.package("alice", "5e1f0000-0000-4000-8000-0000000000aa")
    sealed = package.files["manifest.json.age"]
    assert _bech32_identity(b"\x01" * 32).startswith("AGE-SECRET-KEY-1")
    org_secret = str(world.org.age)  # the check finds a real identity where there is one
    assert any(
        pyrage.decrypt(sealed, [pyrage.x25519.Identity.from_str(c)])
        for c in _candidates(org_secret)
    )
    with desk_keyring.connect() as connection:
        items = desk_keyring.login_collection(connection).get_all_items()
        secrets = [item.get_secret().decode("utf-8", "replace") for item in items]
    assert any(s.startswith("reviewer:dana") for s in secrets)  # set up, for real
    files = [p.read_bytes().decode("utf-8", "replace") for p in desk.home.rglob("*") if p.is_file()]
    tried = 0
    for text in secrets + files:
        for candidate in _candidates(text):
            tried += 1
            with pytest.raises(pyrage.DecryptError):
                pyrage.decrypt(sealed, [pyrage.x25519.Identity.from_str(candidate)])
    assert tried >= 1  # the reviewer's own signing key, tried as an identity too
    assert desk.listed() == []  # and the desk works: through the service
