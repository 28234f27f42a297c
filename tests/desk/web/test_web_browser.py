"""The web desk in a real browser: Debian's Chromium (headless, Selenium), the service
and its pages under uvicorn on loopback, and an OpenID provider (node oidc-provider).

One browser for the module; each test signs in as whom it needs."""

from __future__ import annotations

import pyrage
import pytest
from peers.openid import running_provider
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from web_desk_browser import chromium, give_purpose, have_chromium, sign_in, sign_out, until
from web_desk_world import PASSWORD, DeskWorld, free_port, serving

from companion.app.sync.access_receipts import fetch_receipts, publish_recipient
from companion.core.policy.parse import parse_policy
from companion.desk.app.ingest import ingest
from companion.edges.store.database import open_store
from companion.edges.sync.org_store import FolderOrgStore

pytestmark = pytest.mark.skipif(not have_chromium(), reason="peer not installed: chromium")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("web-desk-browser")
    port = free_port()
    callback = f"http://127.0.0.1:{port}/web/auth/callback"
    with running_provider(callback, root / "oidc.log") as issuer:
        world = DeskWorld(root, oidc={"issuer": issuer})
        world.write(port)
        alice = pyrage.x25519.Identity.generate()  # alice's companion has published its key
        publish_recipient(FolderOrgStore(root / "store"), alice, "alice")
        with serving(world, port) as running, chromium() as driver:
            yield world, running, driver, alice


def rows(driver) -> list[str]:
    return [
        a.get_attribute("href").rsplit("/", 1)[1]
        for a in driver.find_elements(By.CSS_SELECTOR, "table.calls a.button")
    ]


def player_time(driver) -> float:
    return float(driver.execute_script("return document.getElementById('player').currentTime"))


def test_a_manager_signs_in_sees_team_a_only_and_plays_after_giving_a_reason(site, tmp_path):
    world, running, driver, alice = site
    sign_in(driver, running.url, "dana", PASSWORD)
    listed = rows(driver)
    assert {world.calls[n] for n in ("alice", "alice2", "bob", "markup")} <= set(listed)
    assert world.calls["carol"] not in listed
    assert driver.title == "Calls · Review desk"  # the markup rep's name did not run

    # by keyboard: the call's Open link, Enter
    link = driver.find_element(By.CSS_SELECTOR, f"a[href='/web/calls/{world.calls['alice']}']")
    link.send_keys(Keys.ENTER)
    until(lambda: driver.find_elements(By.ID, "reason"), "the purpose form")
    assert not driver.find_elements(By.ID, "player")  # nothing before a reason
    give_purpose(driver, "coaching", "objection handling")
    until(lambda: driver.find_elements(By.ID, "play"), "the call page")
    assert not driver.find_elements(By.ID, "player")  # no audio before Play: its receipt
    seek = driver.find_elements(By.CSS_SELECTOR, "button.seek[value='4.0']")[0]
    seek.send_keys(Keys.ENTER)  # "play from 0:04": the play starts (one receipt)
    until(lambda: driver.find_elements(By.ID, "player"), "the player")
    start = until(lambda: player_time(driver) >= 4.0 and player_time(driver), "started at 0:04")
    until(lambda: player_time(driver) > start + 0.3, "the audio plays on")
    back = driver.find_elements(By.CSS_SELECTOR, "button.seek[data-seek='1.0']")[0]
    back.send_keys(Keys.ENTER)  # a seek within the same play
    until(lambda: 1.0 <= player_time(driver) < start, "seeked back to 0:01")

    # alice's companion, at its next sync, shows who opened and played her call, and why
    ingest(running.service)  # the service seals her copies (it learnt her key)
    policy = parse_policy(world.config.with_name("policy.toml").read_bytes(), "policy.toml")
    seen = fetch_receipts(
        FolderOrgStore(world.root / "store"), alice, policy, "alice", tmp_path / "book.json",
        open_store(tmp_path / "alice.db"),
    )  # fmt: skip
    assert seen.warnings == []
    lines = [r.describe() for r in seen.receipts if r.call == world.calls["alice"]]
    assert lines[0].startswith("Viewed by Dana Lee (manager, coaching: 'objection handling')")
    assert sum(line.startswith("Played by Dana Lee") for line in lines) == 1  # one play
    assert sum(line.startswith("Viewed by Dana Lee") for line in lines) == 1  # page not reloaded


def oidc_sign_in(driver, url: str, name: str) -> None:
    """Through the provider's development login form (any name is its subject)."""
    driver.delete_all_cookies()
    driver.get(f"{url}/web/signin")
    driver.find_element(By.ID, "oidc").click()
    login = until(lambda: driver.find_elements(By.NAME, "login"), "the provider's login form")
    login[0].send_keys(name)
    driver.find_element(By.NAME, "password").send_keys("any", Keys.ENTER)
    consent = (By.CSS_SELECTOR, "button[type=submit]")
    until(lambda: at_desk(driver) or driver.find_elements(*consent), "consent or the desk")
    if not at_desk(driver):
        driver.find_element(*consent).click()
    until(lambda: at_desk(driver), "back at the desk")


def at_desk(driver) -> bool:
    return "/web/" in driver.current_url and "/auth/oidc" not in driver.current_url


def test_sign_in_with_the_organisations_identity_provider(site):
    world, running, driver, _alice = site
    oidc_sign_in(driver, running.url, "dana")  # e-mail dana@example.test -> reviewer:dana
    until(lambda: "/web/calls" in driver.current_url, "the calls")
    assert "Dana Lee" in driver.find_element(By.CSS_SELECTOR, "form.who").text
    assert world.calls["alice"] in rows(driver) and world.calls["carol"] not in rows(driver)
    sign_out(driver)

    oidc_sign_in(driver, running.url, "mallory")  # known to the provider, not to the policy
    assert "Not a reviewer" in driver.title and not driver.find_elements(
        By.CSS_SELECTOR, "form.who"
    )
    driver.get(f"{running.url}/web/calls")
    until(lambda: "/web/signin" in driver.current_url, "still signed out")


def test_an_approver_approves_performance_use_and_the_reviewer_opens_that_call_only(site):
    world, running, driver, _alice = site
    mine, other = world.calls["bob"], world.calls["alice2"]
    sign_in(driver, running.url, "cora", PASSWORD)
    driver.get(f"{running.url}/web/calls/{mine}")
    give_purpose(driver, "investigation", "complaint 2026-17")
    ask = until(lambda: driver.find_elements(By.ID, "ask"), "the offer to ask an approver")
    assert "needs an approval" in driver.find_element(By.CSS_SELECTOR, ".error").text
    ask[0].click()
    approval = until(lambda: driver.find_elements(By.ID, "requested-id"), "the request").pop().text
    sign_out(driver)

    sign_in(driver, running.url, "legal", PASSWORD)
    assert "/web/approvals" in driver.current_url and approval in driver.page_source
    driver.find_element(By.ID, "reason-1").send_keys("complaint on file")
    driver.find_element(By.CSS_SELECTOR, "button[value=approve]").click()
    until(lambda: f"{approval}: approved" in driver.page_source, "approved")
    sign_out(driver)

    sign_in(driver, running.url, "cora", PASSWORD)
    driver.get(f"{running.url}/web/calls/{mine}")
    driver.find_element(By.ID, "approval").clear()
    give_purpose(driver, "investigation", "complaint 2026-17", approval)
    until(lambda: driver.find_elements(By.ID, "h-transcript"), "the approved call opens")
    driver.get(f"{running.url}/web/calls/{other}")  # the same approval, another call
    give_purpose(driver, "investigation", "complaint 2026-17", approval)
    refused = until(lambda: driver.find_elements(By.CSS_SELECTOR, ".error"), "refused")
    assert "does not name this call" in refused[0].text
    assert not driver.find_elements(By.ID, "h-transcript")
    sign_out(driver)
