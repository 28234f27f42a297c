"""The fleet page: a compliance role over all calls sees every laptop from its signed
heartbeat (versions, last sync, queue, refusals) with who is behind or silent; a manager,
a viewer and an approver do not get in; a rep's name that is markup shows as text."""

from __future__ import annotations

import re

import pytest
from web_desk_client import WebClient
from web_desk_world import PASSWORD, a_fleet


@pytest.fixture(scope="module")
def fleet(desk_world):
    world, running = desk_world
    a_fleet(world)
    return running


def signed_in(url: str, name: str) -> WebClient:
    client = WebClient(url)
    assert client.sign_in(name, PASSWORD).status_code == 303
    return client


def rows(html: str) -> dict[str, str]:
    """Each table row's text, keyed by its rep cell."""
    found = {}
    for row in re.findall(r"<tr>(.*?)</tr>", html, re.S):
        rep = re.search(r'class="rep">(.*?)</td>', row, re.S)
        if rep:
            found[rep.group(1)] = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row))
    return found


def test_compliance_sees_each_laptop_its_policy_and_who_is_behind_or_silent(fleet):
    cora = signed_in(fleet.url, "cora")
    page = cora.get("/web/fleet")
    assert page.status_code == 200
    laptops = rows(page.text)
    assert {"alice", "bob"} <= set(laptops)
    assert "2026.11.1" in laptops["alice"] and "0.2.0" in laptops["alice"]
    assert "2 call(s) waiting to sync" in laptops["alice"]
    assert "behind" not in laptops["alice"]
    assert "silent for" not in laptops["alice"]
    assert "2026.10.1" in laptops["bob"] and "silent for 9 days" in laptops["bob"]
    assert "behind: policy 2026.10.1 (in force 2026.11.1)" in laptops["bob"]
    assert "behind: app 0.1.0 (newest 0.2.0)" in laptops["bob"]
    assert 'href="/web/fleet" aria-current="page">Fleet' in page.text
    assert "<script>document.title" not in page.text  # the rep's name is text, not markup
    assert "&lt;script&gt;document.title=&#39;owned&#39;" in page.text
    quiet = rows(cora.get("/web/fleet?silent_days=10").text)
    assert "silent for" not in quiet["bob"]
    cora.close()


@pytest.mark.parametrize(("name", "status"), [("dana", 403), ("vik", 403), ("legal", 404)])
def test_a_manager_viewer_or_approver_does_not_see_the_fleet(fleet, name, status):
    client = signed_in(fleet.url, name)
    page = client.get("/web/fleet")
    assert page.status_code == status
    assert "alice" not in page.text and "0.2.0" not in page.text
    assert "Fleet</a>" not in client.get("/web/").text + client.get("/web/calls").text
    if status == 403:
        assert "the fleet is for a compliance role over all calls" in page.text
    client.close()


def test_signed_out_the_fleet_sends_to_sign_in(fleet):
    client = WebClient(fleet.url)
    answer = client.get("/web/fleet")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/web/signin")
    client.close()
