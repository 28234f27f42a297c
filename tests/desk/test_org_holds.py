"""Legal holds from the organisation: an approver signs one with `companion desk hold`, the
desk service checks and records it and writes it into the store, the rep's next sync
honours it (the sweeper keeps the call's audio past its window), a signed release with a
reason lets it go; audited on the rep's side, recorded in the service's database."""

from __future__ import annotations

import json
from datetime import date

import pytest
from call_helpers import ready_call
from cryptography.hazmat.primitives import serialization
from desk_helpers import DeskProfile
from sqlalchemy import select

from companion.app.library.search import access_view
from companion.app.retention_sweep import sweep
from companion.app.sync.org_holds import org_holds
from companion.app.sync.sync_pass import sync_once
from companion.core.access import signed
from companion.desk.app.holds import standing_holds
from companion.edges.store import audit
from companion.edges.store.models import RecordingSegmentRecord

pytestmark = pytest.mark.usefixtures("secret_service", "pulse_testbed")
LATER = date(2030, 1, 1)  # past every local window


def pem(org, name: str, folder) -> str:
    path = folder / f"{name}.pem"
    path.write_bytes(
        org.keys[name].private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(path)


def states(context) -> dict[str, str]:
    with context.store() as db:
        rows = db.execute(select(RecordingSegmentRecord.call_id, RecordingSegmentRecord.state))
        return dict(rows.all())


def audit_kinds(store) -> list[str]:
    with store() as db:
        assert audit.verify(db) == []
        return [e["kind"] for e in audit.entries(db)]


def test_a_signed_hold_keeps_audio_past_its_window_until_a_signed_release(
    make_context, monkeypatch, tmp_path, world, served, desk_keyring
):
    org, share, (service, url) = world.org, world.store_dir, served
    monkeypatch.setenv("LOGNAME", "alice")
    rep = make_context(real_audio=True)
    rep.paths.policy_override.write_text(org.policy_text(), encoding="utf-8")
    rep.settings.save(rep.settings.load().with_changes(sync_folder=str(share)))
    held = ready_call(rep, "Globex", consent=True, sounds=tmp_path)
    free = ready_call(rep, "Acme", consent=True, sounds=tmp_path)
    sync_once(rep)

    approver = DeskProfile(tmp_path / "legal-home", desk_keyring.address, org)
    approver.set_up("legal", url, kind="approver")
    signer = ("--private-key", pem(org, "legal", tmp_path))
    approver.run(
        "hold", *signer, "--id", "hold-2026-003", "--matter", "Globex dispute",
        "--call", held, "--review-on", "2031-01-01",
    )  # fmt: skip
    again = approver.run("hold", *signer, "--id", "hold-2026-003", "--matter", "x",
                         "--rep", "alice", "--review-on", "2031-01-01", ok=False)  # fmt: skip
    assert "exists already; holds are never replaced" in again.stderr
    forged = signed.sign(
        {"kind": "hold", "id": "hold-x", "matter": "m", "reps": ["alice"]},
        "legal",
        org.keys["intruder"],
    )
    (share / "holds" / "hold-x.json").write_text(json.dumps(forged))

    assert "1 legal hold(s)" in sync_once(rep)
    report = sweep(rep.store, rep.active_policy().policy, "alice", today=LATER,
                   holds=org_holds(rep.paths.data_dir))  # fmt: skip
    assert [c for c, _, _ in report.deleted] == [free] and report.held == 1
    assert states(rep) == {held: "complete", free: "expired"}
    shown = access_view(rep.paths.data_dir, "alice", rep.active_policy().policy)
    assert shown.hold(held, "Globex") == "legal hold"  # the matter stays with the org
    assert shown.hold(free, "Acme") == ""
    assert [h["id"] for h in standing_holds(service)] == ["hold-2026-003"]

    approver.run("release", *signer, "--hold", "hold-2026-003", "--reason", "settled")
    sync_once(rep)
    assert org_holds(rep.paths.data_dir) == []
    again = sweep(rep.store, rep.active_policy().policy, "alice", today=LATER,
                  holds=org_holds(rep.paths.data_dir))  # fmt: skip
    assert [c for c, _, _ in again.deleted] == [held]
    assert standing_holds(service) == []

    rep_side = audit_kinds(rep.store)
    assert rep_side.count("legal_hold.placed") == 1
    assert rep_side.count("legal_hold.released") == 1
    assert rep_side.count("legal_hold.refused") == 1  # the forged one, once
