"""The desk service on an S3 store (moto on loopback): ingest lists the bucket once and
fetches only new packages, each with one GET (the index carries a copy of the sealed
manifest; an older package's manifest file is fetched); a copy that does not match the
signed checksum is never used, and one swapped with its checksum fails the signature;
receipts go under Object Lock retention before the read."""

from __future__ import annotations

import base64
import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from desk_service_world import WHY, call_id, serving

from companion.core.access.devices import sign_package
from companion.desk.app.ingest import ingest
from companion.edges.sync.org_s3 import S3OrgStore
from companion.edges.sync.package import (
    INDEX,
    MANIFEST,
    SEALED_MANIFEST,
    canonical_json,
    sha256_hex,
)
from companion.edges.sync.s3_connection import S3Credentials
from companion.edges.sync.s3_target import S3Target


@pytest.fixture(scope="module")
def moto_s3():
    pytest.importorskip("moto.server", reason="moto[server] is a dev dependency")
    from peers.s3 import running_s3

    with running_s3() as peer:
        yield peer


class CountingS3Store(S3OrgStore):
    """The S3 store, counting the objects it fetches."""

    def __init__(self, target: S3Target) -> None:
        super().__init__(target)
        self.fetched: list[str] = []

    def get(self, key: str, limit: int | None = None) -> bytes | None:
        self.fetched.append(key)
        return super().get(key, limit)


def test_ingest_from_s3_is_incremental_and_receipts_are_object_locked(world, moto_s3):
    from peers.s3 import REGION, TEST_KEY

    bucket = moto_s3.make_bucket(object_lock=True)
    target = S3Target(bucket, moto_s3.endpoint_url, REGION, lambda: S3Credentials(*TEST_KEY))
    first = world.package("alice", call_id(1), seconds=1.0)
    target.put_package(first)
    store = CountingS3Store(target)
    service = world.service(store)
    assert ingest(service).listed == 1
    target.put_package(world.package("alice", call_id(2), seconds=1.0))
    store.fetched.clear()
    assert ingest(service).listed == 1
    assert {k.split("/")[0] for k in store.fetched if k.startswith("call-")} == {
        f"call-{call_id(2)}"
    }  # the known package is not fetched again
    store.fetched.clear()
    assert ingest(service).listed == 0
    assert [k for k in store.fetched if k.startswith("call-")] == []
    with serving(service) as url:
        world.client(url, "dana").post(f"/calls/{first.package_id}/open", WHY)
    head = moto_s3.client().head_object(Bucket=bucket, Key="receipts/alice/00000001.org.json.age")
    assert head["ObjectLockMode"] == "GOVERNANCE"
    assert head["ObjectLockRetainUntilDate"] > datetime.now(UTC) + timedelta(days=300)


def _s3_store(moto_s3) -> tuple[S3Target, CountingS3Store, str]:
    from peers.s3 import REGION, TEST_KEY

    bucket = moto_s3.make_bucket(object_lock=False)  # the tests below rewrite objects
    target = S3Target(bucket, moto_s3.endpoint_url, REGION, lambda: S3Credentials(*TEST_KEY))
    return target, CountingS3Store(target), bucket


def _gets(store: CountingS3Store) -> dict[str, list[str]]:
    """The names fetched of each package."""
    found: dict[str, list[str]] = {}
    for key in store.fetched:
        package_id, name = key.split("/", 1)
        found.setdefault(package_id, []).append(name)
    return found


def test_a_companion_package_ingests_with_one_get_and_an_older_one_with_two(world, moto_s3):
    target, store, _bucket = _s3_store(moto_s3)
    new = [world.package("alice", call_id(n), seconds=0.5) for n in (1, 2, 3)]
    older = world.package("bob", call_id(4), seconds=0.5, sign=False)
    # an older companion's package: no copy in the index, signed without one
    unsigned = {k: v for k, v in older.index.items() if k != SEALED_MANIFEST}
    older = dataclasses.replace(older, index=sign_package(
        unsigned, canonical_json(older.manifest), world.devices["bob"]))  # fmt: skip
    for package in (*new, older):
        target.put_package(package)
    report = ingest(world.service(store))
    assert (report.listed, report.quarantined) == (4, {})
    gets = {k: v for k, v in _gets(store).items() if k.startswith("call-")}
    assert gets == {p.package_id: [INDEX] for p in new} | {
        older.package_id: [INDEX, f"{MANIFEST}.age"]
    }


def test_a_copy_that_does_not_match_the_signed_checksum_is_never_used(world, moto_s3):
    target, store, bucket = _s3_store(moto_s3)
    s3 = moto_s3.client()
    intact, damaged = (world.package("alice", call_id(n), seconds=0.5) for n in (1, 2))
    other = world.package("alice", call_id(3), seconds=0.5).files[f"{MANIFEST}.age"]
    for package in (intact, damaged):
        target.put_package(package)
        # a store writer puts another call's sealed manifest in the index's copy
        changed = package.index | {SEALED_MANIFEST: base64.b64encode(other).decode()}
        s3.put_object(Bucket=bucket, Key=f"{package.package_id}/{INDEX}",
                      Body=canonical_json(changed))  # fmt: skip
    # ... and, for the second package, in the file too: the signed checksum holds neither
    s3.put_object(Bucket=bucket, Key=f"{damaged.package_id}/{MANIFEST}.age", Body=other)
    report = ingest(world.service(store))
    assert report.listed == 1  # the intact one, from its file
    assert report.quarantined == {damaged.package_id: "its manifest does not match its index"}
    assert _gets(store)[intact.package_id] == [INDEX, f"{MANIFEST}.age"]


def test_a_copy_swapped_with_its_checksum_breaks_the_device_signature(world, moto_s3):
    target, store, bucket = _s3_store(moto_s3)
    victim = world.package("alice", call_id(1), seconds=0.5)
    donor = world.package("alice", call_id(2), seconds=0.5)  # signed by the same device
    target.put_package(victim)
    # another call's sealed manifest as the copy, and the index's checksum edited to it
    sealed = donor.files[f"{MANIFEST}.age"]
    entry = {"size": len(sealed), "sha256": sha256_hex(sealed)}
    files = victim.index["files"] | {f"{MANIFEST}.age": entry}
    # the donor's manifest signature too: only the index signature is left to catch it
    device = victim.index["device"] | {
        "manifest_signature": donor.index["device"]["manifest_signature"]
    }
    forged = victim.index | {
        "files": files,
        "device": device,
        SEALED_MANIFEST: base64.b64encode(sealed).decode(),
    }
    moto_s3.client().put_object(
        Bucket=bucket, Key=f"{victim.package_id}/{INDEX}", Body=canonical_json(forged)
    )
    report = ingest(world.service(store))
    assert report.listed == 0
    assert "signature does not match" in report.quarantined[victim.package_id]
    assert _gets(store)[victim.package_id] == [INDEX]  # the copy was used, and it opened nothing
