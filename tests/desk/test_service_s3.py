"""The desk service on an S3 store (moto on loopback): ingest lists the bucket once and
fetches only new packages; receipts go under Object Lock retention before the read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from desk_service_world import WHY, call_id, serving

from companion.desk.app.ingest import ingest
from companion.edges.sync.org_s3 import S3OrgStore
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
