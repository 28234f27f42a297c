"""The review desk against a real store: a rep's companion syncs to a folder, a manager's
desk (its own profile and Secret Service keyring, `companion desk` in a subprocess)
lists and opens calls by role and purpose, and the rep sees every access receipt."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pyrage
import pytest
from desk_helpers import DeskProfile, pem_of, recorded_package
from desk_world import alices_call, book, carols_call

from companion.app.library.search import access_view, search_calls
from companion.app.sync.sync_pass import sync_once
from companion.core.access import signed
from companion.core.transcripts.model import SpokenWord, Transcript, TranscriptLine
from companion.edges.store import audit
from companion.edges.sync.folder_target import FolderTarget
from companion.ui.library.library_table import COLUMNS
from companion.ui.library.library_window import LibraryWindow
from companion.ui.review.review_window import ReviewWindow

pytestmark = pytest.mark.usefixtures("secret_service")


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


def test_a_reviewer_the_policy_does_not_name_sees_nothing(rep, desk, org, share):
    mine = alices_call(rep)
    desk.set_up("intruder", {"sync_folder": str(share)}, org.policy_text())
    assert desk.listed() == []
    refused = desk.run("open", mine, "--purpose", "coaching", "--reason", "x", ok=False)
    assert "is not among the calls your role may see" in refused.stderr


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


def test_a_manager_reads_the_transcript_and_the_read_is_receipted(rep, desk, org, share):
    said = Transcript(
        "pocketsphinx",
        "en-us (bundled)",
        "en",
        (
            TranscriptLine("rep", 0, 900, (SpokenWord("hello", 0, 400),)),
            TranscriptLine("customer", 1_000, 1_900, (SpokenWord("too", 1_000, 1_300),
                                                        SpokenWord("expensive", 1_300, 1_900))),
        ),
    )  # fmt: skip
    package = recorded_package(
        org, "alice", "5e1f0000-0000-4000-8000-000000000002", transcript=said
    )
    FolderTarget(share).put_package(package)
    sync_once(rep)  # the rep's companion publishes its recipient: receipts are readable
    why = ("--purpose", "coaching", "--reason", "objection handling")
    read = desk.run("read-transcript", package.package_id, *why)
    assert "<v Rep>hello" in read.stdout and "<v Customer>too expensive" in read.stdout
    sync_once(rep)
    assert [r.action for r in book(rep).receipts] == ["read"]


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
    legal_pem = desk.home / "legal.pem"
    legal_pem.write_bytes(pem_of(org.keys["legal"]))
    valid = desk.home / "valid.json"
    desk.run("approve", "--approver", "legal", "--private-key", str(legal_pem),
             "--id", "apr-2026-014", "--call", mine, "--purpose", "investigation",
             "--reviewer", "cora", "--days", "2", "--out", str(valid))  # fmt: skip
    tampered = json.loads(files["valid"])
    tampered["body"]["calls"].append("call-everything")
    files["tampered"] = json.dumps(tampered).encode()
    why_refused = {
        "expired": "The approval expired on",
        "wrong reviewer": "The approval is for dana, not for you (cora)",
        "tampered": "signature does not match",
    }
    for name, data in files.items():
        if name != "valid":  # that one is the approver's, made by `desk approve` above
            (desk.home / f"{name}.json").write_bytes(data)
    for name, message in why_refused.items():
        done = desk.run("open", mine, *why, "--approval", str(desk.home / f"{name}.json"), ok=False)
        assert message in done.stderr, name
    desk.run("open", mine, *why, "--approval", str(desk.home / "valid.json"))
    sync_once(rep)
    (receipt,) = book(rep).receipts
    assert receipt.approval == "apr-2026-014" and receipt.purpose == "investigation"
    assert "approval apr-2026-014" in receipt.describe()


def library_of(rep, qtbot) -> LibraryWindow:
    policy = rep.active_policy().policy
    window = LibraryWindow(
        lambda query: search_calls(rep.store, query, policy),
        policy,
        lambda _call: None,
        access=lambda: access_view(rep.paths.data_dir),
    )
    qtbot.addWidget(window)
    return window


def opened_by(window: LibraryWindow) -> str:
    item = window.table.item(0, COLUMNS.index("Opened by"))
    return item.text() if item is not None else ""


def test_the_rep_sees_who_opened_a_call_and_a_changed_or_removed_receipt_is_a_warning(
    rep, desk, org, share, qtbot
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
    library = library_of(rep, qtbot)
    assert opened_by(library) == receipts[2].describe() + " (+2 more)"
    assert library.access_warning.isHidden()
    view = access_view(rep.paths.data_dir, "alice", rep.active_policy().policy)
    review = ReviewWindow(rep.review, mine.removeprefix("call-"), None, None, access=view)
    qtbot.addWidget(review)
    assert review.opened_by.text().splitlines() == [r.describe() for r in receipts]

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
    library.refresh()
    assert not library.access_warning.isHidden()
    assert "Receipt 2 is missing" in library.access_warning.text()
    assert opened_by(library).startswith("Viewed by Dana Lee")  # what was verified stays
    with rep.store() as db:
        kinds = [e["kind"] for e in audit.entries(db)]
        assert kinds.count("access.receipt") == 3
        assert kinds.count("access.receipts_warning") == 2
        assert audit.verify(db) == []


def _rep_recipient(share):
    text = (share / "reps" / "alice" / "recipient.txt").read_text().strip()
    return [pyrage.x25519.Recipient.from_str(text)]


@pytest.fixture(scope="module")
def moto_s3():
    pytest.importorskip("moto.server", reason="moto[server] is a dev dependency")
    from peers.s3 import running_s3

    with running_s3() as peer:
        yield peer


def test_receipts_on_s3_are_object_locked_and_a_hidden_one_is_a_warning(
    rep, tmp_path, desk_keyring, org, moto_s3
):
    from peers.s3 import REGION, TEST_KEY

    from companion.edges.sync.s3_connection import ACCESS_KEY_SECRET, SECRET_KEY_SECRET

    bucket = moto_s3.make_bucket(object_lock=True)
    store = {"s3_bucket": bucket, "s3_endpoint": moto_s3.endpoint_url, "s3_region": REGION}
    rep.settings.save(rep.settings.load().with_changes(sync_folder=None, **store))
    rep.secrets.set(ACCESS_KEY_SECRET, TEST_KEY[0])
    rep.secrets.set(SECRET_KEY_SECRET, TEST_KEY[1])
    desk = DeskProfile(tmp_path / "s3-desk", desk_keyring.address, org)
    desk.home.mkdir()
    desk.python(
        "from companion.edges.secrets import SecretStore\n"
        f"s = SecretStore(); s.set({ACCESS_KEY_SECRET!r}, {TEST_KEY[0]!r}); "
        f"s.set({SECRET_KEY_SECRET!r}, {TEST_KEY[1]!r})"
    )
    desk.set_up("dana", store, org.policy_text())
    mine = alices_call(rep)
    assert desk.listed() == [mine]
    for _ in range(2):
        desk.run("open", mine, "--purpose", "coaching", "--reason", "first call review")
    sync_once(rep)
    assert [r.seq for r in book(rep).receipts] == [1, 2]

    client = moto_s3.client()
    key = "receipts/alice/00000001.json.age"
    head = client.head_object(Bucket=bucket, Key=key)
    assert head["ObjectLockMode"] == "GOVERNANCE"
    assert head["ObjectLockRetainUntilDate"] > datetime.now(UTC) + timedelta(days=300)
    client.delete_object(Bucket=bucket, Key=key)  # a delete marker hides it from a listing
    assert "1 warning(s)" in sync_once(rep)
    assert book(rep).warnings == ["Receipt 1 is missing from the organisation's store."]
    assert [r.seq for r in book(rep).receipts] == [1, 2]  # the rep keeps what it verified

    legal_pem = desk.home / "legal.pem"
    legal_pem.write_bytes(pem_of(org.keys["legal"]))
    desk.run("hold", "--approver", "legal", "--private-key", str(legal_pem), "--id", "hold-1",
             "--matter", "audit", "--rep", "alice", "--review-on", "2031-01-01")  # fmt: skip
    head = client.head_object(Bucket=bucket, Key="holds/hold-1.json")
    assert head["ObjectLockRetainUntilDate"].date().isoformat() == "2031-01-01"
    assert "1 legal hold(s)" in sync_once(rep)


def test_after_the_manager_plays_a_call_the_rep_sees_the_receipt(
    rep, desk, org, share, tmp_path, pulse_testbed
):
    import subprocess

    import numpy as np
    from peers.sounds import dominant

    sync_once(rep)  # the rep's recipient is published at the first sync
    package = recorded_package(org, "alice", "5e1f0000-0000-4000-8000-000000000002", hz=880)
    FolderTarget(share).put_package(package)
    heard = tmp_path / "heard.raw"
    with heard.open("wb") as out:
        recorder = subprocess.Popen(
            ["parec", "--device=spk.monitor", "--rate=48000", "--channels=1", "--format=s16le"],
            stdout=out,
        )
        try:
            desk.run("play", package.package_id, "--purpose", "coaching", "--reason", "pricing")
        finally:
            recorder.terminate()
            recorder.wait(timeout=10)
    sound = np.frombuffer(heard.read_bytes(), dtype=np.int16)
    assert abs(dominant(sound, 48_000) - 880) < 10
    sync_once(rep)
    (receipt,) = book(rep).receipts
    assert receipt.action == "play" and receipt.call == package.package_id
    assert receipt.describe().startswith("Played by Dana Lee (manager, coaching: 'pricing') on ")


def test_desk_verify_passes_an_exported_bundle_and_fails_each_kind_of_change(
    rep, desk, org, share, tmp_path
):
    import shutil

    sync_once(rep)
    package = recorded_package(org, "alice", "5e1f0000-0000-4000-8000-000000000003")
    FolderTarget(share).put_package(package)
    desk.set_up("cora", {"sync_folder": str(share)}, org.policy_text())
    approval = desk.home / "approval.json"
    expires = datetime.now(UTC) + timedelta(days=1)
    approval.write_bytes(org.approval([package.package_id], expires=expires))
    why = ("--purpose", "investigation", "--reason", "complaint 4411", "--approval", str(approval))
    desk.run("open", package.package_id, *why)
    bundle = tmp_path / "bundle"
    desk.run("export", package.package_id, *why, "--out", str(bundle))
    assert sorted(p.name for p in (bundle / "receipts").iterdir()) == [
        "00000001.json",
        "00000002.json",
    ]
    assert "bundle intact" in desk.run("verify", str(bundle)).stdout

    def broken(change) -> str:
        copy = tmp_path / f"copy-{change.__name__}"
        shutil.copytree(bundle, copy)
        change(copy)
        return desk.run("verify", str(copy), ok=False).stderr

    def package_byte(root):
        audio = root / "package" / "audio.ogg.age"
        data = bytearray(audio.read_bytes())
        data[len(data) // 2] ^= 0x01
        audio.write_bytes(bytes(data))

    def receipt_removed(root):
        (root / "receipts" / "00000001.json").unlink()

    def manifest_changed(root):
        manifest = json.loads((root / "bundle.json").read_bytes())
        del manifest["body"]["files"]["receipts/00000001.json"]
        (root / "bundle.json").write_text(json.dumps(manifest))

    assert "package/audio.ogg.age was changed" in broken(package_byte)
    assert "receipts/00000001.json is missing" in broken(receipt_removed)
    assert "bundle.json: The bundle's signature does not match" in broken(manifest_changed)
    sync_once(rep)
    assert [r.action for r in book(rep).receipts] == ["open", "export"]
