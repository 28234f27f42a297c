"""The fleet view: two laptops sync and show with their policy versions; one that stops
syncing shows as silent; a heartbeat a laptop did not sign is not believed."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from call_helpers import ready_call

from companion.app.sync.sync_pass import sync_once
from companion.desk.app.fleet import fleet_lines, fleet_view
from companion.edges.paths import AppPaths
from companion.edges.sync.org_store import FolderOrgStore

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def laptops(make_context, monkeypatch, org, share, tmp_path, secret_service):
    """Alice on policy 2026.11.1, Bob on 2026.12.1, both syncing to `share`, for an
    organisation with a desk (reviewers in its policy: the laptops have device keys)."""
    now = {"alice": T0, "bob": T0}
    made = {}
    for rep in ("alice", "bob"):
        monkeypatch.setenv("LOGNAME", rep)  # unmanaged: the login name is the rep's id
        root = tmp_path / rep
        paths = AppPaths(root / "data", root / "config", root / "logs", tmp_path / "system")
        context = make_context(paths=paths, clock=lambda rep=rep: now[rep])
        policy = org.policy_text()
        if rep == "bob":
            policy = policy.replace('version = "2026.11.1"', 'version = "2026.12.1"')
        context.paths.policy_override.write_text(policy, encoding="utf-8")
        context.settings.save(context.settings.load().with_changes(sync_folder=str(share)))
        made[rep] = context
    return made, now


def test_two_laptops_show_with_their_policy_and_a_quiet_one_goes_silent(laptops, share):
    contexts, now = laptops
    ready_call(contexts["alice"], "Acme")
    assert sync_once(contexts["alice"]).startswith("sync: 1 delivered")
    assert sync_once(contexts["bob"]).startswith("sync: 0 delivered")
    store = FolderOrgStore(share)

    rows = {row.rep: row for row in fleet_view(store, "2026.12.1", T0 + timedelta(hours=1))}
    assert set(rows) == {"alice", "bob"}
    alice, bob = rows["alice"].heartbeat, rows["bob"].heartbeat
    assert alice is not None and bob is not None
    assert (alice.policy_version, bob.policy_version) == ("2026.11.1", "2026.12.1")
    assert alice.queue == 0 and alice.last_delivery is not None
    assert rows["alice"].verified and rows["bob"].verified
    assert rows["alice"].problems == ("old policy 2026.11.1",)
    assert rows["bob"].problems == ()

    # Bob syncs again eight days later; Alice has not since.
    now["bob"] = T0 + timedelta(days=8)
    sync_once(contexts["bob"])
    rows = {row.rep: row for row in fleet_view(store, "2026.12.1", T0 + timedelta(days=8))}
    assert "silent for 8 days" in rows["alice"].status
    assert rows["bob"].status == "ok"
    table = "\n".join(fleet_lines(list(rows.values()), T0 + timedelta(days=8)))
    assert "alice" in table and "silent for 8 days" in table and "2026.12.1" in table


def test_a_heartbeat_changed_after_signing_or_from_another_key_is_not_believed(laptops, share):
    contexts, _now = laptops
    sync_once(contexts["bob"])
    beat = share / "fleet" / "bob" / "heartbeat.json"
    document = json.loads(beat.read_text())
    document["body"]["queue"] = 0
    document["body"]["policy_version"] = "2099.1.1"  # claims a policy it does not run
    beat.write_text(json.dumps(document))
    (row,) = fleet_view(FolderOrgStore(share), "2026.12.1", T0)
    assert row.rep == "bob" and row.heartbeat is None
    assert "heartbeat unreadable" in row.status

    # A validly signed heartbeat, but by a key that is not the one bob's laptop published.
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from companion.core.access import signed
    from companion.core.access.heartbeats import Heartbeat, heartbeat_document

    forged = Heartbeat("bob", "0.1.0", "2026.12.1", T0, T0, 0, 0)
    beat.write_bytes(signed.canonical(heartbeat_document(forged, Ed25519PrivateKey.generate())))
    (row,) = fleet_view(FolderOrgStore(share), "2026.12.1", T0)
    assert row.heartbeat is not None and not row.verified
    assert row.problems == ("unverified device",)
