"""The review desk against a real store: a rep's companion syncs to a folder, a manager's
desk (its own profile and Secret Service keyring, `companion desk` in a subprocess)
lists and opens calls by role and purpose, and the rep sees every access receipt."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pyrage
import pytest
from access_helpers import Org
from call_helpers import ready_call
from desk_helpers import DeskProfile, recorded_package
from peers import require
from peers import secret_service as keyring_peer

from companion.app.access_receipts import BOOK, ReceiptBook
from companion.app.call_package import package_call
from companion.app.sync_pass import sync_once
from companion.core.access import signed
from companion.edges.paths import AppPaths
from companion.edges.store import audit
from companion.edges.sync.folder_target import FolderTarget

pytestmark = pytest.mark.usefixtures("secret_service")


@pytest.fixture(scope="module")
def desk_keyring(tmp_path_factory):
    """The reviewer's own Secret Service: a second bus and gnome-keyring."""
    require(*keyring_peer.PROGRAMS)
    with keyring_peer.running_secret_service(tmp_path_factory.mktemp("desk-keyring")) as peer:
        yield peer


@pytest.fixture
def org():
    return Org()


@pytest.fixture
def share(tmp_path):
    folder = tmp_path / "share"
    folder.mkdir()
    return folder


@pytest.fixture
def rep(make_context, monkeypatch, org, share):
    """Alice's companion (team A), syncing to the shared folder."""
    monkeypatch.setenv("LOGNAME", "alice")
    context = make_context()
    context.paths.policy_override.write_text(org.policy_text(), encoding="utf-8")
    context.settings.save(context.settings.load().with_changes(sync_folder=str(share)))
    return context


@pytest.fixture
def desk(tmp_path, desk_keyring, org, share):
    profile = DeskProfile(tmp_path / "desk-home", desk_keyring.address, org)
    profile.set_up("dana", {"sync_folder": str(share)}, org.policy_text())
    return profile


def carols_call(make_context, monkeypatch, org, share, tmp_path) -> str:
    """A call of carol (team B), delivered by her own companion's packaging."""
    monkeypatch.setenv("LOGNAME", "carol")
    root = tmp_path / "carol-home"
    context = make_context(paths=AppPaths(root / "data", root / "config", root / "logs"))
    context.paths.ensure()
    context.paths.policy_override.write_text(org.policy_text(), encoding="utf-8")
    call_id = ready_call(context, "Globex")
    policy = context.active_policy().policy
    package = package_call(context.store, call_id, policy, None, list(policy.sync.recipients))
    FolderTarget(share).put_package(package)
    monkeypatch.setenv("LOGNAME", "alice")
    return package.package_id


def alices_call(rep) -> str:
    call_id = ready_call(rep, "Acme")
    sync_once(rep)
    return f"call-{call_id}"


def book(rep) -> ReceiptBook:
    return ReceiptBook.load(rep.paths.data_dir / BOOK)


def test_a_manager_opens_own_team_calls_and_never_sees_another_team(
    rep, desk, org, share, make_context, monkeypatch, tmp_path
):
    mine = alices_call(rep)
    theirs = carols_call(make_context, monkeypatch, org, share, tmp_path)
    assert desk.listed() == [mine]
    opened = desk.run("open", mine, "--purpose", "coaching", "--reason", "objection handling")
    assert "Acme (Discovery call)" in opened.stdout and "Acme: exports are slow" in opened.stdout
    refused = desk.run("open", theirs, "--purpose", "coaching", "--reason", "curious", ok=False)
    assert "is not among the calls your role may see" in refused.stderr
    assert "Globex" not in refused.stdout + refused.stderr


def test_opening_without_a_reason_or_for_a_purpose_the_role_lacks_is_refused(rep, desk):
    mine = alices_call(rep)
    blank = desk.run("open", mine, "--purpose", "coaching", "--reason", " ", ok=False)
    assert "Say why you open this call" in blank.stderr
    other = desk.run("open", mine, "--purpose", "hr_review", "--reason", "x", ok=False)
    assert "may not open calls for hr review" in other.stderr
    sync_once(rep)
    assert book(rep).receipts == []  # nothing was shown, so nothing was receipted


def test_a_cross_functional_viewer_gets_moments_and_notes_but_no_audio_or_transcript(
    rep, desk, org, share
):
    package = recorded_package(org, "alice", "5e1f0000-0000-4000-8000-000000000001")
    FolderTarget(share).put_package(package)
    desk.set_up("vik", {"sync_folder": str(share)}, org.policy_text())
    why = ("--purpose", "coaching", "--reason", "product feedback")
    assert "price too high" in desk.run("open", package.package_id, *why).stdout
    for verb in ("play", "read-transcript"):
        refused = desk.run(verb, package.package_id, *why, ok=False)
        assert "does not include the" in refused.stderr, verb


def test_performance_use_needs_a_valid_approval_and_its_receipt_names_it(rep, desk, org, share):
    mine = alices_call(rep)
    desk.set_up("cora", {"sync_folder": str(share)}, org.policy_text())
    why = ("--purpose", "investigation", "--reason", "complaint 4411")
    refused = desk.run("open", mine, *why, ok=False)
    assert "needs an approval" in refused.stderr
    soon = datetime.now(UTC) + timedelta(days=2)
    files = {
        "expired": org.approval([mine], expires=datetime.now(UTC) - timedelta(hours=1)),
        "wrong reviewer": org.approval([mine], expires=soon, reviewer="dana"),
        "valid": org.approval([mine], expires=soon),
    }
    tampered = json.loads(files["valid"])
    tampered["body"]["calls"].append("call-everything")
    files["tampered"] = json.dumps(tampered).encode()
    why_refused = {
        "expired": "The approval expired on",
        "wrong reviewer": "The approval is for dana, not for you (cora)",
        "tampered": "signature does not match",
    }
    for name, data in files.items():
        (desk.home / f"{name}.json").write_bytes(data)
    for name, message in why_refused.items():
        done = desk.run("open", mine, *why, "--approval", str(desk.home / f"{name}.json"), ok=False)
        assert message in done.stderr, name
    desk.run("open", mine, *why, "--approval", str(desk.home / "valid.json"))
    sync_once(rep)
    (receipt,) = book(rep).receipts
    assert receipt.approval == "apr-2026-014" and receipt.purpose == "investigation"
    assert "approval apr-2026-014" in receipt.describe()


def test_the_rep_sees_who_opened_a_call_and_a_changed_or_removed_receipt_is_a_warning(
    rep, desk, org, share
):
    mine = alices_call(rep)
    why = ("--purpose", "coaching", "--reason", "objection handling")
    for _ in range(3):
        desk.run("open", mine, *why)
    sync_once(rep)
    receipts = book(rep).receipts
    assert [r.seq for r in receipts] == [1, 2, 3]
    shown = receipts[0].describe()
    assert shown.startswith("Viewed by Dana Lee (manager, coaching: 'objection handling') on ")
    assert f"{receipts[0].at.day} {receipts[0].at:%b, %H:%M}" in shown
    assert book(rep).warnings == []

    folder = share / "receipts" / "alice"
    (folder / "00000002.json.age").unlink()
    third = folder / "00000003.json.age"
    document = json.loads(pyrage.decrypt(third.read_bytes(), [org.age]))
    document["body"]["reason"] = "routine"
    recipients = [org.age.to_public(), *_rep_recipient(share)]
    third.write_bytes(pyrage.encrypt(signed.canonical(document), recipients))
    summary = sync_once(rep)
    assert "2 warning(s)" in summary
    warnings = book(rep).warnings
    assert "Receipt 2 is missing from the organisation's store." in warnings
    assert "Receipt 3 was changed after it was signed." in warnings
    with rep.store() as db:
        kinds = [e["kind"] for e in audit.entries(db)]
        assert kinds.count("access.receipt") == 3
        assert kinds.count("access.receipts_warning") == 2
        assert audit.verify(db) == []


def _rep_recipient(share):
    text = (share / "reps" / "alice" / "recipient.txt").read_text().strip()
    return [pyrage.x25519.Recipient.from_str(text)]
