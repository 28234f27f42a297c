"""Receipt first on an S3 store (moto, through a proxy that misbehaves on purpose): when
the store refuses the receipt (a 500 from the server, a key whose policy denies
PutObject on receipts, the endpoint down) every read fails with a clear message, nothing
of the call is fetched, decrypted or sent, and the database holds no receipt; once the
store takes receipts again the read works. A receipt stored whose answer was lost is
found, checked and adopted: the chain goes on without a gap or a duplicate number."""

from __future__ import annotations

import json
import uuid

import pytest
from desk_service_world import WHY, call_id, serving

from companion.core.access.receipts import verify_chain
from companion.desk.api.client import DeskRefused
from companion.desk.app.ingest import ingest
from companion.desk.app.ledger import receipts_of
from companion.edges.sync.org_s3 import S3OrgStore
from companion.edges.sync.s3_connection import S3Credentials
from companion.edges.sync.s3_target import S3Target

PARTS = ("open", "moments", "audio", "export")  # what the call has (no transcript)


@pytest.fixture(scope="module")
def moto_s3():
    pytest.importorskip("moto.server", reason="moto[server] is a dev dependency")
    from peers.s3 import running_s3

    with running_s3() as peer:
        yield peer


class NotedS3Store(S3OrgStore):
    """The S3 store, noting every file of a call it fetches (what a read would decrypt)."""

    def __init__(self, target: S3Target) -> None:
        super().__init__(target)
        self.fetched: list[str] = []

    def get(self, key: str, limit: int | None = None) -> bytes | None:
        if key.startswith("call-") and key.endswith(".age"):
            self.fetched.append(key)
        return super().get(key, limit)


def s3_world(world, moto_s3, endpoint: str, key: tuple[str, str] | None = None, bucket=None):
    """A bucket with one call of alice's, and the service on it through `endpoint`."""
    from peers.s3 import REGION, TEST_KEY

    if bucket is None:
        bucket = moto_s3.make_bucket(object_lock=True)
        direct = S3Target(bucket, moto_s3.endpoint_url, REGION, lambda: S3Credentials(*TEST_KEY))
        direct.put_package(world.package("alice", call_id(1), seconds=1.0))
    credentials = key or TEST_KEY
    target = S3Target(bucket, endpoint, REGION, lambda: S3Credentials(*credentials),
                      max_attempts=2, connect_timeout=1.0, read_timeout=10.0)  # fmt: skip
    store = NotedS3Store(target)
    service = world.service(store)
    assert ingest(service).listed == 1
    store.fetched.clear()
    return service, store, bucket


def refused_everything(world, url: str, call: str) -> list[str]:
    """Each part read by dana: all must be refused with 503; the messages."""
    dana = world.client(url, "dana")
    messages = []
    for part in PARTS:
        with pytest.raises(DeskRefused) as caught:
            b"".join(dana.stream(f"/calls/{call}/{part}", WHY))
        assert caught.value.status == 503, (part, str(caught.value))
        messages.append(str(caught.value))
    return messages


def stored_receipts(moto_s3, bucket: str) -> list[str]:
    listed = moto_s3.client().list_objects_v2(Bucket=bucket, Prefix="receipts/")
    return [item["Key"] for item in listed.get("Contents", [])]


def test_a_500_on_the_receipt_write_refuses_the_read_and_commits_no_receipt(world, moto_s3):
    from peers.faulty_proxy import faulty_proxy

    failing = {"on": True}

    def rule(method: str, target: str) -> str | None:
        return "500" if failing["on"] and method == "PUT" and "/receipts/" in target else "pass"

    with faulty_proxy((moto_s3.host, moto_s3.port), rule=rule) as proxy:
        service, store, bucket = s3_world(world, moto_s3, proxy.endpoint_url)
        call = f"call-{call_id(1)}"
        with serving(service) as url:
            for message in refused_everything(world, url, call):
                assert "could not be written to the organisation's store" in message
                assert "nothing was read" in message and "Traceback" not in message
            assert len(proxy.log.requests("PUT", "/receipts/")) >= len(PARTS)  # it did try
            assert store.fetched == []  # nothing of the call fetched, so nothing decrypted
            assert receipts_of(service.db, "alice") == {}  # no receipt claims a read
            assert stored_receipts(moto_s3, bucket) == []

            failing["on"] = False  # the server takes receipts again
            opened = world.client(url, "dana").post(f"/calls/{call}/open", WHY)
        assert opened["rep"] == "alice"
    assert sorted(receipts_of(service.db, "alice")) == [1]
    assert stored_receipts(moto_s3, bucket) == ["receipts/alice/00000001.org.json.age"]


def test_a_key_denied_putobject_on_receipts_refuses_every_read(world, moto_s3):
    bucket = moto_s3.make_bucket(object_lock=True)
    iam = moto_s3.client("iam")
    name = f"desk-{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=name)
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "s3:PutObject",
             "Resource": f"arn:aws:s3:::{bucket}/receipts/*"},
        ],
    }  # fmt: skip
    iam.put_user_policy(UserName=name, PolicyName="desk", PolicyDocument=json.dumps(document))
    made = iam.create_access_key(UserName=name)["AccessKey"]
    key = (made["AccessKeyId"], made["SecretAccessKey"])
    from peers.s3 import REGION, TEST_KEY

    direct = S3Target(bucket, moto_s3.endpoint_url, REGION, lambda: S3Credentials(*TEST_KEY))
    direct.put_package(world.package("alice", call_id(1), seconds=1.0))
    with moto_s3.enforced_authentication():
        service, store, _bucket = s3_world(world, moto_s3, moto_s3.endpoint_url, key, bucket)
        with serving(service) as url:
            for message in refused_everything(world, url, f"call-{call_id(1)}"):
                assert "could not be written to the organisation's store" in message
                assert "AccessDenied" in message
    assert store.fetched == []
    assert receipts_of(service.db, "alice") == {}
    assert stored_receipts(moto_s3, bucket) == []


def test_with_the_store_down_every_read_fails_and_nothing_is_served(world, moto_s3):
    from peers.faulty_proxy import faulty_proxy

    with faulty_proxy((moto_s3.host, moto_s3.port), rule=lambda _m, _t: "pass") as proxy:
        service, store, bucket = s3_world(world, moto_s3, proxy.endpoint_url)
    # the proxy is gone: the endpoint refuses connections
    with serving(service) as url:
        for message in refused_everything(world, url, f"call-{call_id(1)}"):
            assert "could not be written to the organisation's store" in message
            assert "nothing was read" in message
    assert store.fetched == []
    assert receipts_of(service.db, "alice") == {}
    assert stored_receipts(moto_s3, bucket) == []


def test_a_receipt_stored_whose_answer_was_lost_is_adopted_without_a_gap(world, moto_s3):
    from peers.faulty_proxy import faulty_proxy

    lost: list[str] = []

    def rule(method: str, target: str) -> str | None:
        if method == "PUT" and "/receipts/" in target and not lost:
            lost.append(target)
            return "drop_response"  # stored by the server, the answer never arrives
        return "pass"

    with faulty_proxy((moto_s3.host, moto_s3.port), rule=rule) as proxy:
        service, _store, bucket = s3_world(world, moto_s3, proxy.endpoint_url)
        with serving(service) as url:
            opened = world.client(url, "dana").post(f"/calls/{call_id(1)}/open", WHY)
    assert opened["rep"] == "alice" and lost
    committed = receipts_of(service.db, "alice")
    assert sorted(committed) == [1, 2]  # the lost answer's receipt adopted, then this read's
    report = verify_chain(dict(committed), service.policy.access, "alice", {})
    assert report.warnings == [] and len(report.receipts) == 2
    assert stored_receipts(moto_s3, bucket) == [
        "receipts/alice/00000001.org.json.age",
        "receipts/alice/00000002.org.json.age",
    ]
