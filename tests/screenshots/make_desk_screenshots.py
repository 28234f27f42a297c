"""Screenshots of every page of the web desk, light and dark, at 1280x800 and a phone's
width, from the same world and browser helpers as the browser tests.

    uv run python tests/screenshots/make_desk_screenshots.py [--out docs/screenshots/desk]

Starts the desk service with its web pages under uvicorn on loopback (tests/web_desk_world.py)
and Debian's Chromium (tests/web_desk_browser.py), walks through sign-in, the calls,
"why are you opening this?", a call with its transcript (Play pressed), a reviewer's own
approval requests, the approvals inbox, holds by matter (with the forms to place and
release), receipts, the program report and the fleet, and writes `PAGE-SIZE-SCHEME.png`
for each.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
if str(TESTS) not in sys.path:  # run as a script: make the test helpers importable
    sys.path.insert(0, str(TESTS))

from web_desk_browser import chromium, give_purpose, sign_in, sign_out, until  # noqa: E402
from web_desk_browser import shoot as take  # noqa: E402
from web_desk_world import PASSWORD, DeskWorld, a_fleet, free_port, serving  # noqa: E402

DEFAULT_OUT = TESTS.parent / "docs" / "screenshots" / "desk"


def _hold(world: DeskWorld, running: object) -> None:
    """A standing hold, signed by the approver as `companion desk hold` would."""
    from companion.core.access import signed
    from companion.desk.app.holds import place_hold

    body = {
        "kind": "hold", "id": "hold-2026-003", "matter": "Globex dispute",
        "calls": [world.calls["carol"]], "accounts": ["Globex"], "reps": [],
        "review_on": (datetime.now(UTC) + timedelta(days=180)).date().isoformat(),
        "placed_at": datetime.now(UTC).isoformat(),
    }  # fmt: skip
    raw = json.dumps(signed.sign(body, "legal", world.org.keys["legal"])).encode()
    place_hold(running.service, "legal", raw)  # type: ignore[attr-defined]


def _decided_requests(world: DeskWorld, running: object) -> None:
    """Two more of cora's requests, one approved and one refused, for "My requests"."""
    from companion.core.policy.access import Purpose
    from companion.desk.app.approvals import ApproverSession, request_approval
    from companion.desk.app.reads import ReviewerSession

    service = running.service  # type: ignore[attr-defined]
    cora, legal = ReviewerSession(service, "cora"), ApproverSession(service, "legal")
    yes = request_approval(cora, [world.calls["alice2"]], Purpose.HR_REVIEW, "HR case 2026-4")
    no = request_approval(cora, [world.calls["carol"]], Purpose.INVESTIGATION, "a hunch")
    legal.decide(yes["id"], approve=True, reason="case on file", days=7)
    legal.decide(no["id"], approve=False, reason="no complaint on file")


def make(out: Path, only: str | None = None) -> list[Path]:
    from selenium.webdriver.common.by import By

    made: list[Path] = []

    def shoot(driver: object, out: Path, name: str) -> list[Path]:
        return take(driver, out, name) if only in (None, name) else []

    with tempfile.TemporaryDirectory(prefix="desk-shots-") as tmp:
        world = DeskWorld(Path(tmp))
        port = free_port()
        world.write(port)
        with serving(world, port) as running, chromium() as driver:
            url = running.url
            _hold(world, running)
            a_fleet(world)
            driver.get(f"{url}/web/signin")
            made += shoot(driver, out, "signin")
            sign_in(driver, url, "dana", PASSWORD)
            driver.get(f"{url}/web/calls?tag=objection")
            made += shoot(driver, out, "calls")
            driver.get(f"{url}/web/calls/{world.calls['alice']}")
            made += shoot(driver, out, "why")
            give_purpose(driver, "coaching", "objection handling in discovery calls")
            until(lambda: driver.find_elements(By.ID, "play"), "the call page")
            made += shoot(driver, out, "call-before-play")
            driver.find_element(By.CSS_SELECTOR, "#play button").click()  # the play's receipt
            until(lambda: driver.find_elements(By.ID, "player"), "the player")
            driver.get(f"{url}/web/calls/{world.calls['alice']}?part=transcript")
            made += shoot(driver, out, "call")
            sign_out(driver)
            sign_in(driver, url, "cora", PASSWORD)
            driver.get(f"{url}/web/calls/{world.calls['bob']}")
            give_purpose(driver, "investigation", "customer complaint 2026-17")
            until(lambda: driver.find_elements(By.ID, "ask"), "the offer to ask")
            made += shoot(driver, out, "why-needs-approval")
            driver.find_element(By.ID, "ask").click()
            until(lambda: driver.find_elements(By.ID, "requested-id"), "the request")
            _decided_requests(world, running)
            driver.get(f"{url}/web/requests")
            made += shoot(driver, out, "requests")
            driver.get(f"{url}/web/receipts")
            made += shoot(driver, out, "receipts")
            driver.get(f"{url}/web/report")
            made += shoot(driver, out, "report")
            driver.get(f"{url}/web/fleet")
            made += shoot(driver, out, "fleet")
            sign_out(driver)
            sign_in(driver, url, "legal", PASSWORD)
            made += shoot(driver, out, "approvals")
            driver.get(f"{url}/web/holds")
            driver.find_element(By.ID, "matter").send_keys("Acme pricing audit")
            driver.find_element(By.ID, "reps").send_keys("alice")
            review = driver.find_element(By.ID, "review_on")
            driver.execute_script(
                "arguments[0].value = arguments[1]", review,
                (datetime.now(UTC) + timedelta(days=90)).date().isoformat(),
            )  # fmt: skip
            driver.find_element(By.CSS_SELECTOR, "form[action='/web/holds'] button").click()
            until(lambda: "placed for" in driver.page_source, "the hold placed")
            made += shoot(driver, out, "holds")
            release = driver.find_element(By.CSS_SELECTOR, "form[action$='/release']")
            release.find_element(By.TAG_NAME, "textarea").send_keys("   ")  # blank: refused
            release.find_element(By.TAG_NAME, "button").click()
            until(lambda: "Say why" in driver.page_source, "a release without a reason")
            made += shoot(driver, out, "holds-release-refused")
            driver.get(f"{url}/web/calls/call-unknown")  # an approver: no calls page at all
            made += shoot(driver, out, "not-found")
    return made


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(DEFAULT_OUT))
    parser.add_argument("--only", help="write this page's screenshots only, e.g. fleet")
    args = parser.parse_args()
    made = make(Path(args.out), args.only)
    print(f"{len(made)} screenshots in {Path(made[0]).parent}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
