"""Screenshots of every page of the web desk, light and dark, at 1280x800 and a phone's
width, from the same world and browser helpers as the browser tests.

    uv run python tests/screenshots/make_desk_screenshots.py [--out docs/screenshots/desk]

Starts the desk service with its web pages under uvicorn on loopback (tests/web_desk_world.py)
and Debian's Chromium (tests/web_desk_browser.py), walks through sign-in, the calls,
"why are you opening this?", a call with its transcript, the approvals inbox, holds by
matter, receipts, the program report and the fleet, and writes `PAGE-SIZE-SCHEME.png` for each.
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
            made += shoot(driver, out, "calls")
            driver.get(f"{url}/web/calls/{world.calls['alice']}")
            made += shoot(driver, out, "why")
            give_purpose(driver, "coaching", "objection handling in discovery calls")
            until(lambda: driver.find_elements(By.ID, "player"), "the call page")
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
            made += shoot(driver, out, "holds")
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
