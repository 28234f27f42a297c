"""The desk service's numbers on PostgreSQL 15 (a throw-away cluster, as in the tests):

- list 100,000 calls with filters (a manager's own team, by rep, by call type, by time
  range; 100 per page): p95 of the use case and of the HTTP route;
- first audio byte of a 60-minute call (22 MB of audio, as a 60-minute Opus call at about
  48 kbit/s): signed request -> door -> receipt committed -> fetch -> decrypt -> first
  body byte, over HTTP on loopback;
- receipt commit: p95 of `Ledger.commit` (lock the chain head, sign, seal, store, commit);
- ingest of 10,000 new packages from S3 (moto on loopback, a process of its own: a store
  is another machine, and moto in a thread would share the service's GIL): one listing,
  then each package's index fetched side by side (it carries a copy of the sealed
  manifest, as the companion builds it: one GET per package), the manifest decrypted,
  device signatures checked, rows inserted.

    uv run python tests/bench/desk_service_bench.py [--calls 100000] [--packages 10000]
    uv run python tests/bench/desk_service_bench.py --only-ingest --packages 1000

Prints numbers; exits 0 even when a target is missed. Not a pytest test.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def world_on(database: str, root: Path):
    from access_helpers import Org
    from desk_service_world import ServiceWorld

    world = ServiceWorld(Org(), root, database)
    world.set_up()
    return world


def fill_calls(service, count: int) -> None:
    """`count` calls of 50 reps (team_a: alice, bob, and 8 more) over two years."""
    from sqlalchemy import insert, text

    from companion.desk.edges.models import CallRow

    reps = ["alice", "bob", "carol"] + [f"rep{n:02d}" for n in range(47)]
    start = datetime(2025, 1, 1, tzinfo=UTC)
    rows = [
        {
            "package_id": f"call-bench-{n:08d}",
            "rep": reps[n % len(reps)],
            "call_type": ("discovery", "demo", "renewal")[n % 3],
            "started_at": start + timedelta(minutes=7 * n),
            "ended_at": start + timedelta(minutes=7 * n + 30),
            "has_audio": True,
            "has_transcript": n % 2 == 0,
            "retain_until": date(2030, 1, 1),
            "files": "{}",
            "device": None,
            "ingested_at": start,
        }
        for n in range(count)
    ]
    with service.db.begin() as session:
        for chunk in range(0, len(rows), 5000):
            session.execute(insert(CallRow), rows[chunk : chunk + 5000])
        session.execute(text("ANALYZE calls"))


def bench_listing(service, url: str, world) -> None:
    from companion.desk.app.reads import CallFilter, ReviewerSession

    filters = [
        CallFilter(),
        CallFilter(rep="bob"),
        CallFilter(call_type="demo"),
        CallFilter(since=datetime(2025, 6, 1, tzinfo=UTC), until=datetime(2025, 7, 1, tzinfo=UTC)),
        CallFilter(rep="alice", call_type="renewal", offset=200),
    ]
    for who in ("dana", "cora"):
        session = ReviewerSession(service, who)
        times = []
        for n in range(100):
            began = time.perf_counter()
            found = session.calls(filters[n % len(filters)])
            times.append(time.perf_counter() - began)
        assert found is not None
        print(f"list (use case, {who}): p95 {p95(times) * 1000:.1f} ms, median "
              f"{statistics.median(times) * 1000:.1f} ms")  # fmt: skip
    client = world.client(url, "cora")
    june = {"since": "2025-06-01T00:00:00+00:00", "until": "2025-07-01T00:00:00+00:00"}
    queries: list[dict[str, str]] = [{}, {"rep": "bob"}, {"call_type": "demo"}, june]
    times = []
    for n in range(100):
        began = time.perf_counter()
        client.get("/calls", **queries[n % len(queries)])
        times.append(time.perf_counter() - began)
    print(f"list (HTTP, cora, 100 per page): p95 {p95(times) * 1000:.1f} ms "
          f"(target < 150 ms), median {statistics.median(times) * 1000:.1f} ms")  # fmt: skip


def bench_first_byte(service, url: str, world) -> None:
    from companion.core.access.signed_request import sign_request
    from companion.desk.edges.models import CallRow
    from companion.edges.sync.package import encrypt_for, sha256_hex

    audio = os.urandom(22 * 1024 * 1024)  # 60 min of speech as Ogg Opus is about this size
    sealed = encrypt_for(audio, [service.custodian.recipient])
    package_id = "call-bench-hour"
    service.store.put(f"{package_id}/audio.ogg.age", sealed)
    with service.db.begin() as session:
        session.add(CallRow(
            package_id=package_id, rep="alice", call_type="demo",
            started_at=datetime.now(UTC), ended_at=datetime.now(UTC), has_audio=True,
            has_transcript=False, retain_until=date(2030, 1, 1),
            files=json.dumps({"audio.ogg.age": {"sha256": sha256_hex(sealed)}}),
            device=None, ingested_at=datetime.now(UTC),
        ))  # fmt: skip
    port = int(url.rsplit(":", 1)[1])
    times = []
    for n in range(20):
        body = json.dumps({"purpose": "coaching", "reason": f"bench {n}"}).encode()
        path = f"/calls/{package_id}/audio"
        began = time.perf_counter()
        headers = sign_request(world.org.keys["dana"], "reviewer:dana", "POST", path,
                               int(time.time()), body)  # fmt: skip
        connection = http.client.HTTPConnection("127.0.0.1", port)
        connection.request("POST", path, body, headers)
        answer = connection.getresponse()
        assert answer.status == 200 and answer.read(1)
        times.append(time.perf_counter() - began)
        answer.read()
        connection.close()
    print(f"first audio byte, 60 min call (22 MB): median {statistics.median(times) * 1000:.0f} ms,"
          f" p95 {p95(times) * 1000:.0f} ms (target < 300 ms)")  # fmt: skip


def bench_receipts(service) -> None:
    times = []
    for n in range(200):
        began = time.perf_counter()
        service.ledger.commit(
            "bob", datetime.now(UTC), actor="dana", actor_name="Dana Lee", role="manager_a",
            role_kind="manager", purpose="coaching", reason=f"bench {n}", approval=None,
            action="open", call="call-bench-00000001", parts=["moments_notes"],
        )  # fmt: skip
        times.append(time.perf_counter() - began)
    print(f"receipt commit (PostgreSQL + folder store, fsync): p95 {p95(times) * 1000:.1f} ms "
          f"(target < 20 ms), median {statistics.median(times) * 1000:.1f} ms")  # fmt: skip


def bench_ingest(world, packages: int) -> None:
    import base64
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from desk_helpers import recorded_package
    from peers.s3 import REGION, TEST_KEY, running_s3_process

    from companion.core.access.devices import sign_package
    from companion.desk.app.ingest import ingest
    from companion.edges.sync.org_s3 import S3OrgStore
    from companion.edges.sync.package import SEALED_MANIFEST, canonical_json
    from companion.edges.sync.s3_connection import S3Credentials
    from companion.edges.sync.s3_target import S3Target

    class CountingStore(S3OrgStore):
        """The S3 store, counting the package objects it fetches (GETs per package)."""

        def __init__(self, target: S3Target) -> None:
            super().__init__(target)
            self.package_gets = 0
            self.lock = threading.Lock()  # ingest reads with 16 threads

        def get(self, key: str, limit: int | None = None) -> bytes | None:
            if key.startswith("call-"):
                with self.lock:
                    self.package_gets += 1
            return super().get(key, limit)

    template = recorded_package(world.org, "alice", "5e1f0000-0000-4000-8000-000000000000", 0.2)
    with running_s3_process() as peer:
        bucket = peer.make_bucket(object_lock=False)
        client = peer.client()
        key = world.devices["alice"]
        recipients = list(world.service().policy.sync.recipients)
        made = time.perf_counter()

        def put(n: int) -> None:
            # one template call, renamed: the manifest names its own package id
            package_id = f"call-5e1f0000-0000-4000-8000-{n:012d}"
            manifest = template.manifest | {"package_id": package_id}
            plain = canonical_json(manifest)
            from companion.edges.sync.package import encrypt_for, sha256_hex

            sealed = encrypt_for(plain, recipients)
            entry = {"size": len(sealed), "sha256": sha256_hex(sealed)}
            index = template.index | {
                "package_id": package_id,
                "files": {"manifest.json.age": entry},
                SEALED_MANIFEST: base64.b64encode(sealed).decode(),  # as build_package does
            }
            index = sign_package({k: v for k, v in index.items() if k != "device"}, plain, key)
            client.put_object(Bucket=bucket, Key=f"{package_id}/manifest.json.age", Body=sealed)
            client.put_object(Bucket=bucket, Key=f"{package_id}/index.json",
                              Body=json.dumps(index).encode())  # fmt: skip

        with ThreadPoolExecutor(max_workers=16) as pool:
            list(pool.map(put, range(packages)))
        print(f"(uploaded {packages} packages to moto in {time.perf_counter() - made:.1f} s)")
        target = S3Target(bucket, peer.endpoint_url, REGION, lambda: S3Credentials(*TEST_KEY))
        store = CountingStore(target)
        service = world.service(store)
        began = time.perf_counter()
        report = ingest(service)
        took = time.perf_counter() - began
        print(f"ingest {report.listed} new packages from S3 (moto, own process): {took:.1f} s "
              f"(target < 60 s for 10,000); {store.package_gets / max(packages, 1):.2f} "
              f"GETs/package; quarantined {len(report.quarantined)}")  # fmt: skip


def main() -> int:
    from desk_service_world import serving
    from peers.postgres import running_postgres

    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--packages", type=int, default=10_000)
    parser.add_argument("--only-ingest", action="store_true", help="skip the other benches")
    args = parser.parse_args()
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with running_postgres() as postgres, tempfile.TemporaryDirectory() as folder:
        if args.only_ingest:
            bench_ingest(world_on(postgres.new_database(), Path(folder) / "ingest"), args.packages)
            return 0
        world = world_on(postgres.new_database(), Path(folder) / "listing")
        service = world.service()
        began = time.perf_counter()
        fill_calls(service, args.calls)
        print(f"({args.calls} calls inserted in {time.perf_counter() - began:.1f} s)")
        with serving(service) as url:
            bench_listing(service, url, world)
            bench_first_byte(service, url, world)
        bench_receipts(service)
        ingest_world = world_on(postgres.new_database(), Path(folder) / "ingest")
        bench_ingest(ingest_world, args.packages)
    return 0


if __name__ == "__main__":
    sys.exit(main())
