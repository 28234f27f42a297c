"""The program review: `companion desk report` writes an HTML page with SVG charts and a
CSV per table, and its numbers are the store's (counted here straight from the store)."""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pyrage
import pytest
from desk_helpers import recorded_package
from desk_world import alices_call, carols_call

from companion.app.sync.concerns import raise_concern
from companion.app.sync.sync_pass import sync_once
from companion.desk.app.devices import enrol_device
from companion.desk.app.ingest import ingest
from companion.edges.sync.folder_target import FolderTarget

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


def manifests_in(share, org):
    for folder in sorted(share.glob("call-*")):
        yield json.loads(pyrage.decrypt((folder / "manifest.json.age").read_bytes(), [org.age]))


def test_the_program_review_renders_the_stores_numbers(
    rep, desk, world, served, make_context, monkeypatch, tmp_path
):
    org, share, (service, url) = world.org, world.store_dir, served
    mine = alices_call(rep)
    alices_call(rep)
    carols_call(make_context, monkeypatch, org, share, tmp_path)
    target = FolderTarget(share)
    target.put_package(recorded_package(org, "alice", "5e1f0000-0000-4000-8000-00000000000a"))
    old = datetime.now(UTC) - timedelta(days=800)  # past every organisation window
    stale = recorded_package(org, "alice", "5e1f0000-0000-4000-8000-00000000000b", started=old)
    target.put_package(stale)
    raise_concern(
        rep.store, "coaching_misuse", "my manager scores calls", anonymous=True, rep="alice"
    )
    sync_once(rep)
    device = (share / "reps" / "alice" / "device.txt").read_text().strip()
    enrol_device(service, "alice", device, "test")
    ingest(service)
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

    manifests = list(manifests_in(share, org))
    statuses = Counter(m["consent"]["status"] for m in manifests)
    assert statuses == {"declined": 3, "granted": 2}
    facts = {row[0]: row[1] for row in page.tables["facts"]}
    assert facts["Calls"] == "5"
    assert facts["Consent rate (granted of asked)"] == "40%"
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
    assert recorded == {("discovery", "not recorded"): 3, ("discovery", "recorded"): 2}
    with (out / "consent.csv").open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["outcome", "calls"]
    assert {r[0]: int(r[1]) for r in rows[1:]} == dict(statuses)
    assert "Globex" not in (out / "report.html").read_text()  # aggregates only
