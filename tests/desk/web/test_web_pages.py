"""The web desk's reviewer and approver pages beyond the calls: a reviewer's own approval
requests, the tag filter, holds that can be placed and released, and the error page."""

from __future__ import annotations

import re

import pytest
from web_desk_client import signed_in as signed_in_as
from web_desk_world import PASSWORD


def signed_in(running, name: str):
    return signed_in_as(running.url, name, PASSWORD)


@pytest.fixture(scope="module")
def desk(desk_world):
    return desk_world


def test_an_unexpected_error_is_the_desks_error_page_without_its_details(desk, monkeypatch, caplog):
    import companion.desk.web.pages.report as report_page

    _world, running = desk

    def broken(_reviewer):
        raise RuntimeError("database password is hunter2 at /etc/companion-desk")

    monkeypatch.setattr(report_page, "make_report", broken)
    cora = signed_in(running, "cora")  # a role over all calls: the report page is hers
    page = cora.get("/web/report")
    assert page.status_code == 500
    assert "<h1>Something went wrong</h1>" in page.text
    assert "the error is in its log" in page.text
    for leak in ("Traceback", "RuntimeError", "hunter2", "/etc/companion-desk", "report.py"):
        assert leak not in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["cache-control"] == "no-store"
    assert "hunter2" in caplog.text  # the details are in the service's log, for IT
    assert cora.get("/web/calls").status_code == 200  # and the desk answers on


def test_a_reviewer_follows_her_own_approval_requests_and_no_one_elses(desk):
    from datetime import timedelta

    from companion.desk.app.approvals import ApproverSession
    from companion.desk.edges.models import ApprovalRow

    world, running = desk
    service, legal = running.service, ApproverSession(running.service, "legal")
    cora = signed_in(running, "cora")

    def ask(call: str, reason: str) -> str:
        cora.get(f"/web/calls/{call}")
        asked = cora.post(
            "/web/approvals/ask", {"call": call, "purpose": "investigation", "reason": reason}
        )
        assert asked.status_code == 200, asked.text
        found = re.search(r'id="requested-id"[^>]*>([^<]+)<', asked.text)
        assert found, asked.text
        return found.group(1)

    pending = ask(world.calls["alice"], "complaint 1")
    approved = ask(world.calls["bob"], "complaint 2")
    refused = ask(world.calls["carol"], "complaint 3")
    expired = ask(world.calls["alice2"], "complaint 4")
    legal.decide(approved, approve=True, reason="on file", days=3)
    legal.decide(refused, approve=False, reason="no complaint on file")
    legal.decide(expired, approve=True, reason="on file", days=1)
    with service.db.begin() as db:  # its day has passed
        db.get(ApprovalRow, expired).expires_at = service.clock() - timedelta(hours=1)
        db.add(ApprovalRow(id="apr-dana-1", reviewer="dana", purpose="investigation",
                           calls=f'["{world.calls["bob"]}"]', reason="dana's own",
                           status="requested", requested_at=service.clock()))  # fmt: skip

    page = cora.get("/web/requests")
    assert page.status_code == 200
    text = " ".join(page.text.split())
    rows = {r: row_of(text, r) for r in (pending, approved, refused, expired)}
    assert "Pending" in rows[pending] and "/web/calls/" not in rows[pending]
    assert "Approved</strong> until" in rows[approved]
    link = f"/web/calls/{world.calls['bob']}?purpose=investigation&amp;approval={approved}"
    assert f'href="{link}"' in rows[approved]
    form = cora.get(link.replace("&amp;", "&")).text  # the purpose form, filled in
    assert f'value="{approved}"' in form
    assert re.search(r'value="investigation" required\s+checked', form)
    assert "Refused</strong>: “no complaint on file”" in rows[refused]
    assert "/web/calls/" not in rows[refused]
    assert "Expired</strong> on" in rows[expired] and "/web/calls/" not in rows[expired]
    assert "apr-dana-1" not in page.text and "dana&#39;s own" not in page.text
    assert 'href="/web/requests"' in page.text  # in cora's menu

    dana = signed_in(running, "dana")
    hers = dana.get("/web/requests").text
    assert "apr-dana-1" in hers and pending not in hers and approved not in hers
    legal_browser = signed_in(running, "legal")  # an approver has no such page
    assert legal_browser.get("/web/requests").status_code == 404


def row_of(text: str, request: str) -> str:
    start = text.index(f'data-label="Request">{request}</td>')
    return text[start : text.index("</tr>", start)]


def listed(client, query: str = "") -> str:
    page = client.get(f"/web/calls{query}")
    assert page.status_code == 200, page.text
    return page.text


def test_the_tag_filter_shows_only_calls_with_that_tag_within_the_role(desk):
    world, running = desk
    dana = signed_in(running, "dana")
    assert '<select id="f-tag" name="tag">' in listed(dana)
    competitor = listed(dana, "?tag=competitor_mention")
    assert world.calls["bob"] in competitor
    for other in ("alice", "alice2", "bob_notes", "carol"):  # carol's has it: team B's
        assert world.calls[other] not in competitor
    objection = listed(dana, "?tag=objection")
    assert world.calls["alice"] in objection and world.calls["bob"] not in objection
    assert world.calls["carol"] not in listed(dana, "?tag=competitor_mention&team=team_b")
    assert "No calls match" in listed(dana, "?tag=renewal_risk")

    vik = signed_in(running, "vik")  # a viewer of all calls, moments included
    theirs = listed(vik, "?tag=competitor_mention")
    assert world.calls["carol"] in theirs and world.calls["bob"] in theirs
    assert world.calls["alice"] not in theirs


def test_an_approver_places_and_releases_a_hold_the_reps_companions_accept(desk):
    import json
    from datetime import date, timedelta

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from companion.core.access import signed
    from companion.core.access.holds import check_hold, check_release
    from companion.core.access.rules import AccessRefused
    from companion.desk.edges.models import HoldRow

    world, running = desk
    rules = running.service.policy.access
    review = (date.today() + timedelta(days=90)).isoformat()
    legal = signed_in(running, "legal")
    assert 'action="/web/holds"' in legal.get("/web/holds").text
    placed = legal.post(
        "/web/holds",
        {"matter": "Globex dispute", "calls": world.calls["carol"], "accounts": "Globex",
         "reps": "", "review_on": review},
    )  # fmt: skip
    assert placed.status_code == 200, placed.text
    hold = re.search(r"Hold (hold-[0-9a-f-]+) placed for “Globex dispute”", placed.text)
    assert hold, placed.text
    hold_id = hold.group(1)
    assert f"Why release {hold_id}?" in placed.text
    store = world.root / "store" / "holds"
    # what a rep's companion checks at its next sync: signed by the service, for Legal
    kept = check_hold((store / f"{hold_id}.json").read_bytes(), rules)
    assert kept.approver == "legal" and kept.calls == (world.calls["carol"],)
    assert kept.accounts == ("Globex",) and kept.review_on == review

    unexplained = legal.post(f"/web/holds/{hold_id}/release", {"reason": "  "})
    assert unexplained.status_code == 400
    assert "Say why the hold is released" in unexplained.text
    assert not (store / f"{hold_id}.release.json").exists()
    released = legal.post(f"/web/holds/{hold_id}/release", {"reason": "matter settled"})
    assert released.status_code == 200 and f"Hold {hold_id} released." in released.text
    assert f"Why release {hold_id}?" not in released.text
    raw = (store / f"{hold_id}.release.json").read_bytes()
    assert check_release(raw, rules, hold_id) == "matter settled"
    with running.service.db() as db:
        row = db.get(HoldRow, hold_id)
    assert (row.approver, row.released_by, row.release_reason) == (
        "legal", "legal", "matter settled",
    )  # fmt: skip
    again = legal.post(f"/web/holds/{hold_id}/release", {"reason": "twice"})
    assert again.status_code == 400 and "no standing hold" in again.text

    # a companion accepts the service's signature only for an approver who may place holds
    body = json.loads((store / f"{hold_id}.json").read_bytes())["body"]
    for behalf, key in (("dana", None), ("legal", Ed25519PrivateKey.generate())):
        document = signed.sign(
            body | {"on_behalf_of": behalf},
            "desk-service",
            key or running.service.custodian.signing_key,
        )
        with pytest.raises(AccessRefused):
            check_hold(json.dumps(document).encode(), rules)


def test_placing_a_hold_needs_the_power_a_csrf_token_and_a_whole_form(desk):
    from datetime import date, timedelta

    from sqlalchemy import func, select

    from companion.desk.edges.models import HoldRow

    _world, running = desk

    def holds() -> int:
        with running.service.db() as db:
            return int(db.execute(select(func.count()).select_from(HoldRow)).scalar_one())

    before = holds()
    form = {"matter": "Acme audit", "reps": "alice",
            "review_on": (date.today() + timedelta(days=30)).isoformat()}  # fmt: skip
    dana = signed_in(running, "dana")  # a manager: refused like any page not hers
    assert dana.get("/web/holds").status_code == 404
    assert dana.post("/web/holds", form).status_code == 404
    legal = signed_in(running, "legal")
    legal.get("/web/holds")
    forged = legal.post("/web/holds", form, csrf=False)
    assert forged.status_code == 403 and "expired" in forged.text
    empty = legal.post("/web/holds", form | {"reps": ""})
    assert empty.status_code == 400 and "at least one" in empty.text
    assert 'value="Acme audit"' in empty.text  # what was typed stays
    past = legal.post("/web/holds", form | {"review_on": "2020-01-01"})
    assert past.status_code == 400 and "after today" in past.text
    assert holds() == before
