"""The program review: `companion desk report` writes an HTML page with SVG charts and a
CSV per table. Its numbers are those of the calls the service lists (counted here straight
from the store's manifests; a quarantined package is not counted), and come from the
service's index: making the report fetches and decrypts nothing, it works without the key."""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pyrage
import pytest
from desk_world import alices_call, carols_call
from sqlalchemy import update

from companion.app.sync.concerns import raise_concern
from companion.app.sync.sync_pass import sync_once
from companion.desk.app.devices import enrol_device
from companion.desk.app.ingest import ingest
from companion.desk.app.reads import ReviewerSession
from companion.desk.app.report import report_json
from companion.desk.edges.custodian import Custodian
from companion.desk.edges.models import CallRow
from companion.edges.sync.folder_target import FolderTarget
from companion.edges.sync.org_store import FolderOrgStore

pytestmark = pytest.mark.usefixtures("secret_service")


class Page(HTMLParser):
    """The report's tables (by section id) and its SVG bars, as a reader sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.bars: dict[str, int] = Counter()
        self._section, self._row, self._cell = "facts", None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("section", "table") and attrs.get("id"):
            self._section = attrs["id"]
        if tag == "tr":
            self._row = []
            self.tables.setdefault(self._section, []).append(self._row)
        if tag in ("td", "th"):
            self._cell = ""
        if tag == "rect":
            self.bars[self._section] += 1

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._row is not None:
            self._row.append(self._cell or "")
            self._cell = None


def manifests_in(share, org, skipped):
    for folder in sorted(share.glob("call-*")):
        if folder.name not in skipped:
            yield json.loads(pyrage.decrypt((folder / "manifest.json.age").read_bytes(), [org.age]))


class NoPayloadStore(FolderOrgStore):
    """The store, refusing to hand out anything encrypted: the report must not need it."""

    def get(self, key: str, limit: int | None = None) -> bytes | None:
        assert not key.endswith(".age"), f"the report fetched {key}"
        return super().get(key, limit)


def test_the_program_review_renders_the_stores_numbers(
    rep, desk, world, served, make_context, monkeypatch, tmp_path
):
    org, share, (service, url) = world.org, world.store_dir, served
    mine = alices_call(rep)
    alices_call(rep)
    unsigned = carols_call(make_context, monkeypatch, org, share, tmp_path)  # quarantined
    target = FolderTarget(share)
    target.put_package(world.package("alice", "5e1f0000-0000-4000-8000-00000000000a"))
    old = datetime.now(UTC) - timedelta(days=800)  # past every organisation window
    stale = world.package("alice", "5e1f0000-0000-4000-8000-00000000000b", started=old)
    target.put_package(stale)
    raise_concern(
        rep.store, "coaching_misuse", "my manager scores calls", anonymous=True, rep="alice"
    )
    sync_once(rep)
    device = (share / "reps" / "alice" / "device.txt").read_text().strip()
    enrol_device(service, "alice", device, "test")
    assert list(ingest(service).quarantined) == [unsigned]
    desk.run("open", mine, "--purpose", "coaching", "--reason", "objection handling")
    desk.run("open", mine, "--purpose", "coaching", "--reason", "follow-up")
    cora, legal = world.client(url, "cora"), world.client(url, "legal", "approver")
    why = {"purpose": "investigation", "reason": "complaint"}
    asked = cora.post("/approvals", {"calls": [mine], **why})
    legal.post(f"/approvals/{asked['id']}/decision", {"approve": True, "reason": "ok"})
    cora.post(f"/calls/{mine}/open", why | {"approval": asked["id"]})

    out = tmp_path / "review"
    refused = desk.run("report", "--out", str(out), ok=False)  # a manager sees one team
    assert "the program report needs a role over all calls" in refused.stderr
    assert not out.exists()
    desk.set_up("cora", url)
    desk.run("report", "--out", str(out))
    page = Page()
    page.feed((out / "report.html").read_text(encoding="utf-8"))

    manifests = list(manifests_in(share, org, skipped={unsigned}))
    statuses = Counter(m["consent"]["status"] for m in manifests)
    assert statuses == {"declined": 2, "granted": 2}
    facts = {row[0]: row[1] for row in page.tables["facts"]}
    assert facts["Calls"] == "4"
    assert facts["Consent rate (granted of asked)"] == "50%"
    assert facts["Retention adherence"] == "1 past their date"
    assert facts["Access receipts"] == "5"  # 3 reads, the request and its approval
    consent = {row[0]: int(row[1]) for row in page.tables["consent"][1:]}
    assert consent == dict(statuses)
    assert page.bars["consent"] == len(statuses)
    retention = page.tables["retention"][1:]
    assert retention == [[stale.package_id, stale.index["retain_until"]]]
    receipts = {tuple(row[:3]): int(row[3]) for row in page.tables["receipts"][1:]}
    assert receipts == {
        ("coaching", "manager", "open"): 2,
        ("investigation", "compliance", "open"): 1,
        ("investigation", "compliance", "approval_requested"): 1,
        ("investigation", "approver", "approval_granted"): 1,
    }
    assert ["investigation", "cora", "1"] in [r[1:] for r in page.tables["approvals"][1:]]
    assert page.tables["concerns"][1:] == [["Coaching misuse", "1"]]
    recorded = {tuple(r[:2]): int(r[2]) for r in page.tables["recordings"][1:]}
    assert recorded == {("discovery", "not recorded"): 2, ("discovery", "recorded"): 2}
    assert page.tables["teams"][1:] == [["team_a", "4"]]  # carol's (team B) is quarantined
    with (out / "consent.csv").open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["outcome", "calls"]
    assert {r[0]: int(r[1]) for r in rows[1:]} == dict(statuses)
    assert "Globex" not in (out / "report.html").read_text()  # aggregates only


def test_the_report_needs_no_key_and_fetches_nothing_encrypted(world):
    for n, rep in enumerate(("alice", "bob", "carol"), 1):
        world.deliver(rep, f"5e1f0000-0000-4000-8000-{n:012d}", seconds=1.0)
    service = world.service()
    assert ingest(service).listed == 3
    with service.db.begin() as db:  # calls an earlier version ingested: no numbers kept
        db.execute(update(CallRow).where(CallRow.rep != "bob").values(consent_status=None))
    ingest(service)  # fills them in from their manifests, once
    expected = report_json(ReviewerSession(service, "cora"))
    keyless = world.service(NoPayloadStore(world.store_dir))
    keyless.custodian = Custodian(pyrage.x25519.Identity.generate(), keyless.custodian.signing_key)
    assert report_json(ReviewerSession(keyless, "cora")) == expected  # no key, no payload
    facts = expected["facts"]
    assert facts["Calls"] == "3" and facts["Consent rate (granted of asked)"] == "100%"
    consent = next(t for t in expected["tables"] if t["key"] == "consent")
    assert consent["rows"] == [("granted", 3)]  # the filled-in ones too
    teams = next(t for t in expected["tables"] if t["key"] == "teams")
    assert sorted(map(tuple, teams["rows"])) == [("team_a", 2), ("team_b", 1)]
