"""`companion sync --once` and `companion retention sweep` on a real profile."""

from __future__ import annotations

import json
from datetime import date

import pyrage
import pytest
from call_helpers import organisation_policy, ready_call
from peers.commands import companion
from sqlalchemy import select

from companion.app.calls.service import CallRequest
from companion.app.compose import build_context
from companion.app.retention_sweep import sweep
from companion.edges.policy.files import default_policy_path
from companion.edges.store import audit
from companion.edges.store.models import RecordingSegmentRecord, SyncJobRecord


def test_sync_delivers_each_ready_call_once_encrypted_for_the_organisation(tmp_path, make_context):
    identity = pyrage.x25519.Identity.generate()
    context = make_context()
    organisation_policy(context, str(identity.to_public()))
    outbox = tmp_path / "share"
    outbox.mkdir()
    context.settings.save(context.settings.load().with_changes(sync_folder=str(outbox)))
    call_id = ready_call(context)

    first = companion("sync", "--once")
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines()[-1] == "sync: 1 delivered"
    again = companion("sync", "--once")
    assert again.stdout.splitlines()[-1] == "sync: 0 delivered"
    packages = [p for p in outbox.iterdir() if not p.name.startswith(".")]
    assert len(packages) == 1
    files = {p.name for p in packages[0].iterdir()}
    assert "index.json" in files and not any(n.startswith("audio") for n in files)
    manifest_file = next(p for p in packages[0].iterdir() if p.name.startswith("manifest"))
    manifest = json.loads(pyrage.decrypt(manifest_file.read_bytes(), [identity]))
    assert manifest["call"]["id"] == call_id or manifest.get("call_id") == call_id
    with pytest.raises(pyrage.DecryptError):
        pyrage.decrypt(manifest_file.read_bytes(), [pyrage.x25519.Identity.generate()])
    with context.store() as db:
        kinds = [e["kind"] for e in audit.entries(db)]
        assert db.get(SyncJobRecord, call_id).state == "delivered"
    assert kinds.count("call.synced") == 1


def test_an_unreachable_target_is_retried_later_not_lost(tmp_path, make_context):
    identity = pyrage.x25519.Identity.generate()
    context = make_context()
    organisation_policy(context, str(identity.to_public()))
    broken = tmp_path / "share-that-is-a-file"  # the share cannot take a package
    broken.write_text("not a folder", encoding="utf-8")
    context.settings.save(context.settings.load().with_changes(sync_folder=str(broken)))
    call_id = ready_call(context)
    done = companion("sync", "--once")
    assert done.returncode == 1 and "1 failed (will retry)" in done.stdout
    with context.store() as db:
        job = db.get(SyncJobRecord, call_id)
        assert (job.state, job.attempts) == ("queued", 1)
    waiting = companion("sync", "--once")
    assert "1 waiting to retry" in waiting.stdout


@pytest.mark.usefixtures("secret_service", "pulse_testbed")
def test_retention_deletes_only_synced_expired_audio_and_respects_holds(tmp_path):
    identity = pyrage.x25519.Identity.generate()
    context = build_context()
    organisation_policy(
        context,
        str(identity.to_public()),
        '\n[[legal_holds]]\naccount = "Initech"\nreason = "litigation"\n',
    )
    outbox = tmp_path / "share"
    outbox.mkdir()
    context.settings.save(context.settings.load().with_changes(sync_folder=str(outbox)))
    synced = ready_call(context, "Acme", consent=True, sounds=tmp_path)
    held = ready_call(context, "Initech", consent=True, sounds=tmp_path)
    assert companion("sync", "--once").stdout.splitlines()[-1] == "sync: 2 delivered"
    unsynced = ready_call(context, "Globex", consent=True, sounds=tmp_path)
    policy = context.active_policy().policy
    later = date(2030, 1, 1)

    preview = sweep(context.store, policy, "rep", today=later, dry_run=True)
    assert [c for c, _, _ in preview.deleted] == [synced]
    assert (preview.held, preview.kept_unsynced) == (1, 1)
    assert len(list(context.paths.recordings_dir.rglob("*.rca"))) == 3  # dry run: nothing gone

    report = sweep(context.store, policy, "rep", today=later)
    assert [c for c, _, _ in report.deleted] == [synced]
    with context.store() as db:
        states = dict(
            db.execute(select(RecordingSegmentRecord.call_id, RecordingSegmentRecord.state)).all()
        )
        kinds = [e["kind"] for e in audit.entries(db)]
        assert audit.verify(db) == []
    assert states == {synced: "expired", held: "complete", unsynced: "complete"}
    assert kinds.count("recording.deleted") == 1
    assert not list((context.paths.recordings_dir / synced).glob("*.rca"))
    cli = companion("retention", "sweep", "--dry-run")
    assert cli.returncode == 0 and cli.stdout.startswith("retention: would delete")


def test_policy_refresh_installs_a_signed_newer_policy_and_refuses_a_tampered_one(
    tmp_path, make_context
):
    from companion.core.calls.session import CallState

    context = make_context()
    outbox = tmp_path / "share"
    (outbox / "policy").mkdir(parents=True)
    context.settings.save(context.settings.load().with_changes(sync_folder=str(outbox)))
    keys = tmp_path / "keys"
    assert companion("policy", "keygen", "--out-dir", str(keys)).returncode == 0
    (keys / "organisation-key.pem").replace(context.paths.organisation_key)
    published = outbox / "policy" / "policy.toml"

    text = default_policy_path().read_text(encoding="utf-8")
    published.write_text(
        text.replace('version = "2026.11.1"', 'version = "2026.12.1"').replace(
            "recording_enabled = true", "recording_enabled = false"
        ),
        encoding="utf-8",
    )
    unsigned = companion("sync", "--once")
    assert "the published policy was refused (signature: missing" in unsigned.stdout
    assert not context.paths.policy_override.exists()

    signed = companion(
        "policy", "sign", str(published), "--private-key", str(keys / "organisation-private.pem")
    )
    assert signed.returncode == 0, signed.stderr
    done = companion("sync", "--once")
    assert "policy 2026.12.1 installed; it applies from the next call" in done.stdout
    session = context.calls.start_call(CallRequest("Acme", "discovery", "DE"))
    assert session.state is CallState.BLOCKED  # the kill switch, at the next call
    context.calls.end_call()

    published.write_text(
        published.read_text(encoding="utf-8").replace("2026.12.1", "2027.1.1"), encoding="utf-8"
    )
    tampered = companion("sync", "--once")
    assert "refused (signature: does not match" in tampered.stdout
    assert context.active_policy().policy.version == "2026.12.1"
    with context.store() as db:
        kinds = [e["kind"] for e in audit.entries(db)]
    assert kinds.count("policy.refused") == 2 and kinds.count("policy.updated") == 1


@pytest.mark.usefixtures("secret_service", "pulse_testbed")
def test_the_sweep_forgets_the_sealed_copies_of_the_audio_it_deletes(tmp_path):
    from companion.edges.sync.package import package_id_for
    from companion.edges.sync.sealed_cache import SealedCache

    context = build_context()
    recipient = str(pyrage.x25519.Identity.generate().to_public())
    organisation_policy(context, recipient, "delete_unsynced_audio = true\n")
    broken = tmp_path / "share-that-is-a-file"  # every delivery fails: the seals stay
    broken.write_text("not a folder", encoding="utf-8")
    context.settings.save(context.settings.load().with_changes(sync_folder=str(broken)))
    call_id = ready_call(context, "Acme", consent=True, sounds=tmp_path)
    assert companion("sync", "--once").returncode == 1
    sealed = SealedCache.in_data(context.paths.data_dir)
    kept = sealed.root / package_id_for(call_id)
    assert any(p.name.startswith("audio") for p in kept.iterdir())

    report = sweep(
        context.store, context.active_policy().policy, "rep", today=date(2030, 1, 1), sealed=sealed
    )
    assert [c for c, _, _ in report.deleted] == [call_id]
    assert not kept.exists()  # no ciphertext, no plaintext hashes in file names
