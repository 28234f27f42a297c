"""Load: signed-in reviewers listing, opening and streaming through the web desk.

    uv run python tests/bench/web_desk_load.py [--users 50] [--seconds 120]

Not a pytest test: it prints numbers and exits 0 (1 when a target is missed). Loopback
only: `companion desk serve` (SQLite, folder store: its defaults) in a child process,
the test world of tests/web_desk_world.py, and `--users` accounts, each a manager of
team A (cheap argon2 hashes: sign-in cost is not what is measured). Each user signs in,
then loops: the calls list, a call's page (its "why" given once per call), Play pressed
there as the page's script sends it (the play's receipt), the audio streamed in full
with that play's token (no receipt), with a reader's pause between pages (`--think` seconds on
average, uniform from half to one and a half times it; `--think 0` hammers the server).
Printed: requests, errors, latency per kind (median, p95, max), and whether every open
and play left its receipt (the service's database is counted after the run: one "play"
per Play pressed, however many audio requests). Targets: p95 of pages < 500 ms, no
errors, receipts complete.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS))

from web_desk_world import DeskWorld, free_port  # noqa: E402

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
COOKIE = "__Host-desk"


def _accounts(world: DeskWorld, users: int) -> None:
    from argon2 import PasswordHasher

    from companion.desk.app.compose import open_service
    from companion.desk.web.signin.accounts import Accounts, migrate

    service = open_service(world.config)
    migrate(service.db.kw["bind"])
    cheap = Accounts(service.db, PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    for n in range(users):
        cheap.add(f"load-{n}", "load password 123", "reviewer:dana", service.clock())


async def _user(
    n: int, url: str, calls: list[str], until: float, seen: dict, counts: dict, think: float
) -> None:
    import random

    import httpx

    pause = random.Random(n)

    async with httpx.AsyncClient(base_url=url, timeout=30, follow_redirects=False) as http:

        def cookie(answer: httpx.Response, jar: dict) -> None:
            for header in answer.headers.get_list("set-cookie"):
                name, _, rest = header.partition("=")
                if name == COOKIE:
                    jar["c"] = rest.split(";")[0]

        jar: dict[str, str] = {}
        answer = await http.get("/web/signin")
        cookie(answer, jar)
        csrf = CSRF.search(answer.text).group(1)  # type: ignore[union-attr]
        answer = await http.post(
            "/web/signin",
            data={"csrf": csrf, "name": f"load-{n}", "password": "load password 123"},
            headers={"cookie": f"{COOKIE}={jar['c']}"},
        )
        cookie(answer, jar)
        headers = {"cookie": f"{COOKIE}={jar['c']}"}
        opened: set[str] = set()
        csrf = ""
        turn = n
        await asyncio.sleep(think * pause.random())  # reviewers arrive over a few seconds
        while time.monotonic() < until:
            call = calls[turn % len(calls)]
            turn += 1
            page = f"/web/calls/{call}"
            if call not in opened:  # the purpose form, then why: once per call
                form = await http.get(page, headers=headers)
                csrf = CSRF.search(form.text).group(1)  # type: ignore[union-attr]
                why = {"csrf": csrf, "purpose": "coaching", "reason": "load"}
                await http.post(f"{page}/why", headers=headers, data=why)
                opened.add(call)
            source = ""
            for kind in ("list", "open", "play", "stream"):
                start = time.perf_counter()
                try:
                    if kind == "list":
                        answer = await http.get("/web/calls", headers=headers)
                        ok = answer.status_code == 200
                    elif kind == "open":  # the call's page (its "viewed" receipt)
                        answer = await http.get(page, headers=headers)
                        ok = answer.status_code == 200
                    elif kind == "play":  # Play pressed, as desk.js sends it (its receipt)
                        answer = await http.post(
                            f"{page}/play", headers=headers | {"accept": "application/json"},
                            data={"csrf": csrf, "at": "0"},
                        )  # fmt: skip
                        ok = answer.status_code == 200
                        source = answer.json()["src"] if ok else ""
                    else:  # the player's request: within the play, no receipt
                        answer = await http.get(source, headers=headers)
                        ok = answer.status_code == 200 and len(answer.content) > 1000
                except Exception:  # a refused connection is an error, not a crash
                    ok = False
                seen[kind].append(time.perf_counter() - start)
                counts["ok" if ok else "errors"] += 1
                if ok and kind in ("open", "play"):
                    counts[kind] += 1
                if think:
                    await asyncio.sleep(think * (0.5 + pause.random()))


def _receipts(world: DeskWorld) -> dict[str, int]:
    import sqlite3

    with sqlite3.connect(world.root / "desk.db") as db:
        return dict(db.execute("SELECT action, count(*) FROM receipts GROUP BY action").fetchall())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--think", type=float, default=3.0, help="a reader's pause (s)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="desk-load-") as tmp:
        world = DeskWorld(Path(tmp))
        port = free_port()
        world.write(port)
        _accounts(world, args.users)
        log = Path(tmp) / "serve.log"
        server = subprocess.Popen(
            [sys.executable, "-m", "companion", "desk", "serve", "--config", str(world.config),
             "--ingest-every", "0"],
            stdout=log.open("wb"), stderr=subprocess.STDOUT, env=os.environ.copy(),
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            import httpx

            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{url}/web/signin", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    print(log.read_text(), file=sys.stderr)
                    return 1
                time.sleep(0.2)
            mine = [world.calls[n] for n in ("alice", "alice2", "bob", "markup")]
            seen: dict[str, list[float]] = defaultdict(list)
            counts: dict[str, int] = defaultdict(int)
            until = time.monotonic() + args.seconds

            async def everyone() -> None:
                await asyncio.gather(
                    *(
                        _user(n, url, mine, until, seen, counts, args.think)
                        for n in range(args.users)
                    )
                )

            started = time.monotonic()
            asyncio.run(everyone())
            took = time.monotonic() - started
        finally:
            server.terminate()
            server.wait(30)
        stored = _receipts(world)
    every = sorted(t for times in seen.values() for t in times)
    p95 = every[int(len(every) * 0.95) - 1] * 1000 if every else float("inf")
    total = counts["ok"] + counts["errors"]
    print(
        f"{args.users} users (pause {args.think:g} s), {took:.0f} s, {total} requests "
        f"({total / took:.1f}/s), errors: {counts['errors']}"
    )
    for kind, times in sorted(seen.items()):
        times.sort()
        print(f"  {kind:7s} n={len(times):5d}  median {statistics.median(times) * 1000:6.0f} ms  "
              f"p95 {times[int(len(times) * 0.95) - 1] * 1000:6.0f} ms  "
              f"max {times[-1] * 1000:6.0f} ms")  # fmt: skip
    print(f"  all     p95 {p95:.0f} ms")
    complete = stored.get("open", 0) >= counts["open"] and stored.get("play", 0) >= counts["play"]
    print(f"receipts: open {stored.get('open', 0)} for {counts['open']} pages, "
          f"play {stored.get('play', 0)} for {counts['play']} plays "
          f"({len(seen['stream'])} audio requests): "
          f"{'complete' if complete else 'MISSING'}")  # fmt: skip
    return 0 if p95 < 500 and counts["errors"] == 0 and complete else 1


if __name__ == "__main__":
    raise SystemExit(main())
