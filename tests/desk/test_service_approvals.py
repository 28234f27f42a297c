"""Performance use inside the service: requested by a reviewer with a reason, approved
by an approver for some days, scoped to the calls named; each step a receipt the rep
sees. Without an approval, with an expired one or one for another call: refused."""

from __future__ import annotations

from datetime import timedelta

import pyrage
import pytest
from desk_service_world import call_id, ingested, rep_sees, serving

from companion.app.sync.access_receipts import publish_recipient
from companion.core.policy.access import Purpose
from companion.desk.api.client import DeskRefused
from companion.desk.app.reads import Opening, ReviewerSession
from companion.edges.sync.org_store import FolderOrgStore

WHY = {"purpose": "investigation", "reason": "complaint 4411"}


def test_performance_use_needs_a_valid_approval_and_the_rep_sees_it(world, tmp_path):
    first, second = world.deliver("alice", call_id(1)), world.deliver("alice", call_id(2))
    identity = pyrage.x25519.Identity.generate()
    publish_recipient(FolderOrgStore(world.store_dir), identity, "alice")
    service = ingested(world.service())
    with serving(service) as url:
        cora, legal = world.client(url, "cora"), world.client(url, "legal", "approver")
        with pytest.raises(DeskRefused, match=r"desk\.approvals: investigation needs an approval"):
            cora.post(f"/calls/{first}/open", WHY)
        asked = cora.post("/approvals", {"calls": [first], **WHY})
        with pytest.raises(DeskRefused, match="needs an approval"):  # asked, not approved
            cora.post(f"/calls/{first}/open", WHY | {"approval": asked["id"]})
        with pytest.raises(DeskRefused) as not_approver:  # a reviewer cannot approve
            cora.post(f"/approvals/{asked['id']}/decision", {"approve": True, "reason": "x"})
        assert not_approver.value.status == 401
        assert [p["id"] for p in legal.get("/approvals/pending")] == [asked["id"]]
        done = legal.post(
            f"/approvals/{asked['id']}/decision",
            {"approve": True, "reason": "complaint is credible", "days": 2},
        )
        assert done["status"] == "approved"
        with_it = WHY | {"approval": asked["id"]}
        assert cora.post(f"/calls/{first}/open", with_it)["account"] == "Acme"
        with pytest.raises(DeskRefused, match="does not name this call"):
            cora.post(f"/calls/{second}/open", with_it)
        dana = world.client(url, "dana")
        with pytest.raises(DeskRefused, match="may not open calls for investigation"):
            dana.post(f"/calls/{first}/open", with_it)
    later = world.service(clock=lambda: service.clock() + timedelta(days=3))
    with pytest.raises(Exception, match="expired on"):
        ReviewerSession(later, "cora").open(
            first, Opening(Purpose.INVESTIGATION, "complaint 4411", asked["id"])
        )
    report = rep_sees(world, tmp_path, identity)
    assert report.warnings == []
    steps = [(r.action, r.approval) for r in report.receipts]
    assert steps == [
        ("approval_requested", asked["id"]),
        ("approval_granted", asked["id"]),
        ("open", asked["id"]),
    ]
    assert f"approval {asked['id']}" in report.receipts[2].describe()
    assert (
        report.receipts[2].describe().startswith("Viewed by Cora Diaz (compliance, investigation")
    )
