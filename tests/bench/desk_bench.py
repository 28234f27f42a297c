"""Benchmark: the review desk's listing, receipt verification and opening a long call.

    uv run python tests/bench/desk_bench.py [--packages 10000] [--receipts 1000]
                                            [--audio-minutes 60] [--runs 20]

Not a pytest test: it prints numbers and exits 0. No peers: a folder store in a temporary
directory, keys made on the spot.

1. Listing: `--packages` package folders (index.json only, 50 reps), the desk lists what
   a manager of one 10-rep team may see, from the indexes; a fresh desk per run (no
   cache), `--runs` runs, median and p95.
2. Receipts: `--receipts` receipts of one rep written by the desk's own writer (signed,
   chained, age-encrypted to the org and the rep), then the rep's `fetch_receipts`
   (list, decrypt, verify signatures and chain, keep, audit) timed once cold and once
   with everything already seen; also `verify_chain` alone on the decrypted documents.
3. Opening a call of `--audio-minutes` minutes of audio "to first sound": desk.play
   (role check, receipt, read and decrypt the audio) plus decoding the first 0.1 s
   block, which is what `play_ogg` writes to the device first (the device's own latency
   is not included: playing needs an output device). The decoder's speed for the
   whole file is printed too: it must stay ahead of the player.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: the shared helpers


def _p95(samples: list[float]) -> float:
    return sorted(samples)[max(0, round(0.95 * len(samples)) - 1)]


def _desk(root: Path, org, reviewer: str = "dana"):
    from companion.core.policy.parse import parse_policy
    from companion.desk.app.keys import DeskKeys
    from companion.desk.app.service import ReviewDesk
    from companion.edges.sync.org_store import FolderOrgStore

    team = (*(f"rep{n:02d}" for n in range(10)), "alice")
    policy = parse_policy(org.policy_text(team).encode(), "bench.toml")
    keys = DeskKeys(reviewer, org.age, org.keys[reviewer])
    return ReviewDesk(FolderOrgStore(root), policy, keys)


def bench_listing(root: Path, org, packages: int, runs: int) -> None:
    from companion.edges.sync.package import canonical_json

    for n in range(packages):
        folder = root / f"call-{n:08d}-0000-4000-8000-000000000000"
        folder.mkdir()
        index = {
            "format": "rep-companion.call-package",
            "schema_version": 1,
            "package_id": folder.name,
            "rep": f"rep{n % 50:02d}",
            "call_type": "discovery",
            "started_at": f"2026-{1 + n % 12:02d}-01T10:00:00+00:00",
            "retain_until": "2027-06-01",
            "legal_hold": False,
            "content_digest": "0" * 64,
            "files": {"manifest.json.age": {"size": 1, "sha256": "0" * 64}},
        }
        (folder / "index.json").write_bytes(canonical_json(index))
    times, shown = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        shown = len(_desk(root, org).calls())
        times.append(time.perf_counter() - start)
    median, p95 = statistics.median(times) * 1000, _p95(times) * 1000
    print(f"listing {packages} packages ({shown} the manager may see): "
          f"median {median:.0f} ms, p95 {p95:.0f} ms")  # fmt: skip


def bench_receipts(root: Path, org, count: int) -> None:
    import pyrage

    from companion.app.sync.access_receipts import fetch_receipts, publish_recipient, read_receipts
    from companion.core.access.receipts import verify_chain
    from companion.desk.app.receipt_writer import write_receipt
    from companion.edges.store.database import open_store
    from companion.edges.sync.org_store import FolderOrgStore

    store = FolderOrgStore(root)
    rep_identity = pyrage.x25519.Identity.generate()
    publish_recipient(store, rep_identity, "alice")
    desk = _desk(root, org)
    from datetime import UTC, datetime

    start = time.perf_counter()
    for n in range(count):
        write_receipt(store, desk.policy, desk.keys, "alice", datetime.now(UTC),
                      purpose="coaching", reason=f"review {n}", approval=None, action="open",
                      call="call-x", parts=["moments_notes"])  # fmt: skip
    print(f"writing {count} receipts: {time.perf_counter() - start:.1f} s")
    db = open_store(root / "rep.sqlite3")
    book = root / "book.json"
    for label in ("first sync (all new)", "next sync (all seen)"):
        start = time.perf_counter()
        report = fetch_receipts(store, rep_identity, desk.policy, "alice", book, db)
        took = time.perf_counter() - start
        assert len(report.receipts) == count and not report.warnings
        print(f"rep verifies {count} receipts, {label}: {took * 1000:.0f} ms")
    found = read_receipts(store, rep_identity, "alice")
    start = time.perf_counter()
    verify_chain(found, desk.policy.access, "alice", {})
    print(f"verify_chain alone ({count} signatures and links): "
          f"{(time.perf_counter() - start) * 1000:.0f} ms")  # fmt: skip


def bench_open(root: Path, org, minutes: int) -> None:
    from desk_helpers import recorded_package

    from companion.core.policy.access import Purpose
    from companion.desk.app.service import Opening
    from companion.edges.audio.stream_playback import ogg_blocks
    from companion.edges.sync.folder_target import FolderTarget

    start = time.perf_counter()
    package = recorded_package(org, "alice", "5e1f0000-0000-4000-8000-0000000000ff",
                               seconds=minutes * 60.0)  # fmt: skip
    FolderTarget(root).put_package(package)
    size = len(package.files["audio.ogg.age"]) / 1e6
    print(f"packaging {minutes} min of audio ({size:.1f} MB): {time.perf_counter() - start:.1f} s")
    opening = Opening(Purpose.COACHING, "bench")
    start = time.perf_counter()
    audio = _desk(root, org).play(package.package_id, opening)
    decrypted = time.perf_counter() - start
    blocks = ogg_blocks(audio)
    first, rate = next(blocks)  # what play_ogg writes to the device first
    ready = time.perf_counter() - start
    rest = sum(len(block) for block, _ in blocks) + len(first)
    whole = time.perf_counter() - start
    block = ready - decrypted
    print(f"open {minutes} min call to first sound: {ready:.2f} s (list, check, receipt, "
          f"decrypt {decrypted:.2f} s; first block {block:.3f} s)")  # fmt: skip
    print(f"decoding all {rest / rate / 60:.1f} min behind the player: {whole:.1f} s, "
          f"{rest / rate / whole:.0f}x real time")  # fmt: skip


def main() -> int:
    from access_helpers import Org

    parser = argparse.ArgumentParser()
    parser.add_argument("--packages", type=int, default=10_000)
    parser.add_argument("--receipts", type=int, default=1_000)
    parser.add_argument("--audio-minutes", type=int, default=60)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    org = Org()
    with tempfile.TemporaryDirectory() as listing, tempfile.TemporaryDirectory() as other:
        bench_listing(Path(listing), org, args.packages, args.runs)
        bench_receipts(Path(other), org, args.receipts)
        if args.audio_minutes:
            bench_open(Path(other), org, args.audio_minutes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
