"""Rotating the organisation's key: `companion desk rewrap` re-encrypts every package the
old identity still reads to the policy's new recipients. Afterwards the service's new
identity reads every call (through the API too, and after a fresh ingest), the old
identity reads none of the new objects; a run stopped midway is finished by the next,
a second run changes nothing, and a policy still naming the old key stops it at once.
On S3, Object Lock keeps the old versions until their date and locks the new ones."""

from __future__ import annotations

import base64
import contextlib
import json
from datetime import UTC, datetime

import pyrage
import pytest
from desk_service_world import WHY, ServiceWorld, call_id, serving
from peers.commands import companion

from companion.desk.app.evidence_verify import verify_bundle
from companion.desk.app.ingest import ingest
from companion.desk.edges.custodian import create_secrets
from companion.desk.edges.database import open_database
from companion.desk.edges.rewrap import KINDS, Rewrap
from companion.desk.edges.store_listing import complete_packages
from companion.edges.sync.org_store import FolderOrgStore, OrgStore


def rotated(world: ServiceWorld) -> pyrage.x25519.Identity:
    """The service gets a new identity (and the policy its recipient); the old one is returned,
    as the admin keeps it on a removable disk for the re-wrap."""
    old = world.org.age
    (world.root / "old-identity.txt").write_text(f"{old}\n", encoding="utf-8")
    world.secrets.unlink()
    custodian = create_secrets(world.secrets)  # a new identity no reviewer ever saw
    world.org.age = custodian.identity
    world.org.service_key = custodian.public_key
    world.policy_file.write_text(world.org.policy_text(), encoding="utf-8")
    return old


COPY = "index.json#sealed_manifest"  # the index's copy of manifest.json.age


def sealed_files(store: OrgStore) -> dict[str, bytes]:
    """Every sealed thing in the packages: each file, and the index's copy of the manifest."""
    found = {}
    for kind in KINDS:
        for package_id in complete_packages(store, kind).ids:
            index = json.loads(store.get(f"{package_id}/index.json") or b"{}")
            for name in index["files"]:
                found[f"{package_id}/{name}"] = store.get(f"{package_id}/{name}") or b""
            if "sealed_manifest" in index:
                found[f"{package_id}/{COPY}"] = base64.b64decode(index["sealed_manifest"])
    return found


def readable_by(identity: pyrage.x25519.Identity, files: dict[str, bytes]) -> dict[str, bytes]:
    readable = {}
    for key, data in files.items():
        with contextlib.suppress(pyrage.DecryptError):
            readable[key] = pyrage.decrypt(data, [identity])
    return readable


def rewrap(world: ServiceWorld, *extra: str):
    return companion(
        "desk", "rewrap", "--config", str(world.config_file()),
        "--old-identity", str(world.root / "old-identity.txt"), *extra,
    )  # fmt: skip


class CutStore(FolderOrgStore):
    """The folder store, cut off after `puts` writes (a power cut, a killed process)."""

    def __init__(self, root, puts: int) -> None:
        super().__init__(root)
        self.left = puts

    def put(self, key, data, retain_until=None) -> None:
        if self.left == 0:
            raise OSError("the disk went away")
        self.left -= 1
        super().put(key, data, retain_until)


def test_after_a_rewrap_the_new_identity_reads_every_call_and_the_old_one_none(world):
    calls = [world.deliver(rep, call_id(n), seconds=1.0) for n, rep in enumerate(("alice", "bob"))]
    assert ingest(world.service()).listed == 2
    store = FolderOrgStore(world.store_dir)
    before = sealed_files(store)
    old = rotated(world)
    plain = readable_by(old, before)
    assert set(plain) == set(before) and readable_by(world.org.age, before) == {}
    assert f"{calls[0]}/{COPY}" in plain  # the index's copy too, until the re-wrap drops it

    dry = rewrap(world, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "would re-wrap 6 file(s) in 2 package(s)" in dry.stdout
    assert sealed_files(store) == before  # a dry run changes nothing

    # stopped midway: the first package's record and one file written, then the disk fails
    service = world.service(CutStore(world.store_dir, puts=2))
    job = Rewrap(service.store, service.db, service.custodian, old,
                 service.ledger.recipients(None), service.clock)  # fmt: skip
    cut = job.run(complete_packages(service.store).ids)
    assert list(cut.problems.values()) == ["OSError: the disk went away"] * 2

    done = rewrap(world)
    assert done.returncode == 0, done.stderr
    # the one file written before the cut is not written again
    assert "re-wrapped 5 file(s) in 2 package(s)" in done.stdout
    after = sealed_files(store)
    assert readable_by(old, after) == {}  # the old identity reads none of the new objects
    files = {key: data for key, data in plain.items() if not key.endswith(COPY)}
    assert readable_by(world.org.age, after) == files  # the new one reads every file, intact
    assert not any(key.endswith(COPY) for key in after)  # no index keeps its copy

    again = rewrap(world)
    assert "re-wrapped 0 file(s) in 0 package(s); 2 done before" in again.stdout
    assert sealed_files(store) == after  # nothing written twice

    service = world.service()
    with serving(service) as url:  # the service reads with its new identity
        dana = world.client(url, "dana")
        assert dana.post(f"/calls/{calls[0]}/open", WHY)["rep"] == "alice"
        assert b"".join(dana.stream(f"/calls/{calls[0]}/audio", WHY)).startswith(b"OggS")
        bundle = dana.post(f"/calls/{calls[0]}/export", WHY)["files"]
    for name, data in bundle.items():  # an evidence bundle of a re-wrapped call still verifies
        (world.root / "bundle" / name).parent.mkdir(parents=True, exist_ok=True)
        (world.root / "bundle" / name).write_bytes(base64.b64decode(data))
    assert "package/rewrap.json" in bundle
    assert verify_bundle(world.root / "bundle") == []
    fresh = world.service()  # a database rebuilt from the store: the records are honoured
    fresh.db = open_database(str(world.root / "rebuilt.db"))
    report = ingest(fresh)
    assert report.listed == 2 and report.quarantined == {}


def test_a_rewrap_stopped_before_the_index_drops_the_copy_on_the_next_run(world):
    package_id = world.deliver("alice", call_id(1), seconds=1.0)
    old = rotated(world)
    # the record and all three files written, then the disk fails before index.json
    service = world.service(CutStore(world.store_dir, puts=4))
    job = Rewrap(service.store, service.db, service.custodian, old,
                 service.ledger.recipients(None), service.clock)  # fmt: skip
    assert list(job.run([package_id]).problems.values()) == ["OSError: the disk went away"]
    store = FolderOrgStore(world.store_dir)
    assert set(readable_by(old, sealed_files(store))) == {f"{package_id}/{COPY}"}

    again = rewrap(world)
    assert "re-wrapped 0 file(s) in 0 package(s); 1 done before" in again.stdout
    assert readable_by(old, sealed_files(store)) == {}  # the old key reads nothing left
    index = json.loads((world.store_dir / package_id / "index.json").read_bytes())
    assert "sealed_manifest" not in index and "device" in index
    report = ingest(world.service())  # the device's signature still holds without the copy
    assert report.listed == 1 and report.quarantined == {}


def test_a_policy_still_naming_the_old_key_stops_the_rewrap(world):
    world.deliver("alice", call_id(1), seconds=1.0)
    old = rotated(world)
    world.policy_file.write_text(  # the admin added the new recipient but kept the old
        world.org.policy_text().replace(
            "recipients = [", f'recipients = ["{old.to_public()}", ', 1
        ),
        encoding="utf-8",
    )
    before = sealed_files(FolderOrgStore(world.store_dir))
    refused = rewrap(world)
    assert refused.returncode != 0
    assert "still list the old key's recipient" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert sealed_files(FolderOrgStore(world.store_dir)) == before


@pytest.fixture(scope="module")
def moto_s3():
    pytest.importorskip("moto.server", reason="moto[server] is a dev dependency")
    from peers.s3 import running_s3

    with running_s3() as peer:
        yield peer


def test_rewrap_on_s3_writes_locked_new_versions_and_object_lock_keeps_the_old(world, moto_s3):
    from peers.s3 import REGION, TEST_KEY

    from companion.edges.sync.org_s3 import S3OrgStore
    from companion.edges.sync.s3_connection import S3Credentials
    from companion.edges.sync.s3_target import S3Target

    bucket = moto_s3.make_bucket(object_lock=True)
    target = S3Target(bucket, moto_s3.endpoint_url, REGION, lambda: S3Credentials(*TEST_KEY))
    package = world.package("alice", call_id(1), seconds=1.0)
    target.put_package(package)
    store = S3OrgStore(target)
    assert ingest(world.service(store)).listed == 1
    before = sealed_files(store)
    old = rotated(world)
    service = world.service(store)
    job = Rewrap(store, service.db, service.custodian, old,
                 service.ledger.recipients(None), service.clock)  # fmt: skip
    summary = job.run(complete_packages(store).ids)
    assert (summary.rewrapped, summary.problems) == (1, {})
    after = sealed_files(store)
    assert readable_by(old, after) == {} and set(readable_by(world.org.age, after)) == set(after)
    s3 = moto_s3.client()
    key = f"{package.package_id}/audio.ogg.age"
    versions = s3.list_object_versions(Bucket=bucket, Prefix=key)["Versions"]
    assert len(versions) == 2  # the old version is kept (Object Lock: until its date)
    (older,) = [v for v in versions if not v["IsLatest"]]  # times are to the second only
    kept = s3.get_object(Bucket=bucket, Key=key, VersionId=older["VersionId"])["Body"].read()
    assert kept == before[key]
    head = s3.head_object(Bucket=bucket, Key=key)
    assert head["ObjectLockMode"] == "GOVERNANCE"
    assert head["ObjectLockRetainUntilDate"] > datetime.now(UTC)
    with serving(service) as url:
        assert world.client(url, "dana").post(f"/calls/{package.package_id}/open", WHY)
