"""Sync targets for real: a folder on disk, and S3 over HTTP on loopback.

Every S3 test runs twice, against moto and against SeaweedFS (the `s3_server` fixture's
two kinds); where the two servers differ, the test says how and checks each.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime

import pyrage
import pytest
from botocore.exceptions import ClientError
from peers.faulty_proxy import faulty_proxy
from peers.s3 import REGION, TEST_KEY
from s3_helpers import (
    free_port,
    notes_only_package,
    s3_target,
    versions_by_key,
)

from companion.app.sync.call_package import package_call
from companion.edges.secrets import SecretStore
from companion.edges.sync.folder_target import FolderTarget
from companion.edges.sync.package import INDEX, sha256_hex
from companion.edges.sync.s3_connection import (
    ACCESS_KEY_SECRET,
    SECRET_KEY_SECRET,
    credentials_from_secrets,
)
from companion.edges.sync.s3_target import S3Target
from companion.edges.sync.targets import SyncError

# -- folder ------------------------------------------------------------------------------


def test_folder_target_renames_a_complete_package_into_place(context, org, tmp_path):
    root = tmp_path / "share"
    root.mkdir()
    package = notes_only_package(context, org)
    target = FolderTarget(root)
    assert target.test_connection().ok
    assert not target.has_package(package.package_id)

    seen: set[str] = set()
    stop = threading.Event()

    def watch() -> None:  # what a reader of the share sees at the top level meanwhile
        while not stop.is_set():
            for entry in root.iterdir():
                seen.add(entry.name)
                if not entry.name.startswith("."):
                    index = entry / INDEX
                    assert index.exists(), f"{entry} visible without its index"

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        where = target.put_package(package)
    finally:
        stop.set()
        watcher.join()
    assert not any(name.endswith(".partial") for name in seen)
    assert where == str(root / package.package_id)
    assert target.has_package(package.package_id)
    assert sorted(p.name for p in root.iterdir()) == [".incoming", package.package_id]
    assert list((root / ".incoming").iterdir()) == []
    stored = {p.name: p.read_bytes() for p in (root / package.package_id).iterdir()}
    assert stored == package.files | {INDEX: package.index_bytes}

    mtimes = {p.name: p.stat().st_mtime_ns for p in (root / package.package_id).iterdir()}
    rebuilt = package_call(
        context.store,
        package.manifest["call"]["id"],
        context.active_policy().policy,
        None,
        [str(org.to_public())],
    )
    assert target.put_package(package) == where
    assert target.put_package(rebuilt) == where  # same call, new ciphertext: still a no-op
    assert {p.name: p.stat().st_mtime_ns for p in (root / package.package_id).iterdir()} == mtimes


def test_folder_target_finishes_an_interrupted_package(context, org, tmp_path):
    root = tmp_path / "share"
    package = notes_only_package(context, org)
    partial = root / ".incoming" / f"{package.package_id}.partial"
    partial.mkdir(parents=True)
    (partial / "manifest.json.age").write_bytes(b"torn")
    (root / package.package_id).mkdir()  # a damaged copy without its index
    target = FolderTarget(root)
    assert not target.has_package(package.package_id)
    target.put_package(package)
    assert target.has_package(package.package_id)
    assert not partial.exists()
    (root / package.package_id / "moments.vtt.age").write_bytes(b"tampered")
    assert not target.has_package(package.package_id)


def test_folder_target_says_when_the_folder_is_missing(context, org, tmp_path):
    target = FolderTarget(tmp_path / "not-mounted")
    report = target.test_connection()
    assert (report.ok, report.kind) == (False, "unmounted")
    assert "does not exist" in report.problem
    with pytest.raises(SyncError):
        target.put_package(notes_only_package(context, org))
    assert not (tmp_path / "not-mounted").exists()  # never a "share" on the local disk


# -- S3 ----------------------------------------------------------------------------------


def test_s3_package_has_tags_retention_and_exactly_one_copy(context, org, s3_server):
    bucket = s3_server.make_bucket(object_lock=True)
    client = s3_server.client()
    package = notes_only_package(context, org)
    target = s3_target(s3_server, bucket)
    assert target.test_connection().ok
    assert target.object_lock_mode() == "GOVERNANCE"

    where = target.put_package(package)
    assert where == f"s3://{bucket}/{package.package_id}/"
    assert target.has_package(package.package_id)
    keys = sorted(o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"])
    assert keys == sorted(f"{package.package_id}/{n}" for n in [*package.files, INDEX])

    index = json.loads(
        client.get_object(Bucket=bucket, Key=f"{package.package_id}/{INDEX}")["Body"].read()
    )
    assert index == json.loads(package.index_bytes)
    for name, data in package.files.items():
        key = f"{package.package_id}/{name}"
        body = client.get_object(Bucket=bucket, Key=key)["Body"].read()
        assert sha256_hex(body) == index["files"][name]["sha256"] == sha256_hex(data)
        tags = {
            t["Key"]: t["Value"]
            for t in client.get_object_tagging(Bucket=bucket, Key=key)["TagSet"]
        }
        assert tags == {"rep": context.rep, "call-type": "discovery", "use": "coaching"}
        head = client.head_object(Bucket=bucket, Key=key)  # moto: get_object_retention is a 500
        assert head["ObjectLockMode"] == "GOVERNANCE"
        retain = head["ObjectLockRetainUntilDate"]
        if s3_server.kind == "seaweedfs":  # which answers it, as S3 does
            retention = client.get_object_retention(Bucket=bucket, Key=key)["Retention"]
            assert retention == {"Mode": "GOVERNANCE", "RetainUntilDate": retain}
        assert (
            retain.date().isoformat()
            > index["retain_until"]
            >= datetime.now(UTC).date().isoformat()
        )
        with pytest.raises(ClientError) as refused:  # what real S3 does to a locked version
            client.delete_object(Bucket=bucket, Key=key, VersionId=head["VersionId"])
        assert refused.value.response["Error"]["Code"] == "AccessDenied"

    count = client.list_objects_v2(Bucket=bucket)["KeyCount"]
    versions = len(client.list_object_versions(Bucket=bucket)["Versions"])
    rebuilt = package_call(
        context.store,
        package.manifest["call"]["id"],
        context.active_policy().policy,
        None,
        [str(org.to_public())],
    )
    assert target.put_package(package) == where
    assert target.put_package(rebuilt) == where
    assert client.list_objects_v2(Bucket=bucket)["KeyCount"] == count
    assert len(client.list_object_versions(Bucket=bucket)["Versions"]) == versions  # nothing sent


def test_s3_retry_finishes_a_package_left_without_its_index(context, org, s3_server):
    bucket = s3_server.make_bucket(object_lock=False)
    client = s3_server.client()
    package = notes_only_package(context, org)
    name = "manifest.json.age"
    client.put_object(  # an earlier attempt stored one file, then the laptop went offline
        Bucket=bucket,
        Key=f"{package.package_id}/{name}",
        Body=package.files[name],
        Metadata={"sha256": sha256_hex(package.files[name])},
    )
    target = s3_target(s3_server, bucket)
    assert not target.has_package(package.package_id)
    target.put_package(package)
    assert target.has_package(package.package_id)
    versions = client.list_object_versions(Bucket=bucket).get("Versions", [])
    assert len(versions) == len(package.files) + 1  # the stored file was not sent again
    assert target.object_lock_mode() is None


def test_s3_connection_problems_are_told_apart(s3_server):
    bucket = s3_server.make_bucket(object_lock=False)
    refused = s3_target(
        s3_server, bucket, endpoint=f"http://127.0.0.1:{free_port()}"
    ).test_connection()
    assert (refused.ok, refused.kind) == (False, "refused")
    assert "refused" in refused.problem

    dns = s3_target(
        s3_server, bucket, endpoint="http://no-such-host.invalid:9000"
    ).test_connection()
    assert (dns.ok, dns.kind) == (False, "dns")
    assert "could not be found" in dns.problem

    missing = s3_target(s3_server, "no-such-bucket-here").test_connection()
    assert (missing.ok, missing.kind) == (False, "no_bucket")
    assert "'no-such-bucket-here' does not exist" in missing.problem


def test_s3_credentials_and_permissions_when_authentication_is_enforced(s3_server):
    # moto accepts any key by default; its /moto-api/reset-auth switches checking on, and
    # its keys are IAM users made here. SeaweedFS always checks, against the keys it was
    # started with (peers/seaweedfs.py).
    bucket = s3_server.make_bucket(object_lock=False)
    allowed = s3_server.user_with_key(s3_access=True)
    powerless = s3_server.user_with_key(s3_access=False)
    anyone = s3_target(s3_server, bucket, key=("AKIAUNKNOWN000000000", "x")).test_connection()
    assert anyone.ok is (s3_server.kind == "moto")
    with s3_server.enforced_authentication():
        assert s3_target(s3_server, bucket, key=allowed).test_connection().ok
        unknown = s3_target(s3_server, bucket, key=("AKIAUNKNOWN000000000", "x")).test_connection()
        assert (unknown.kind, unknown.ok) == ("credentials", False)
        assert "does not know this access key" in unknown.problem
        wrong = s3_target(s3_server, bucket, key=(allowed[0], "wrong-secret")).test_connection()
        assert (wrong.kind, wrong.ok) == ("credentials", False)
        assert "secret key does not match" in wrong.problem
        denied = s3_target(s3_server, bucket, key=powerless).test_connection()
        assert (denied.kind, denied.ok) == ("permission", False)
        assert "refused access" in denied.problem


@pytest.mark.usefixtures("secret_service")
def test_s3_credentials_come_from_the_keyring(s3_server):
    secrets = SecretStore()
    bucket = s3_server.make_bucket(object_lock=False)
    for name in (ACCESS_KEY_SECRET, SECRET_KEY_SECRET):
        secrets.delete(name)
    target = S3Target(bucket, s3_server.endpoint_url, REGION, credentials_from_secrets(secrets))
    report = target.test_connection()
    assert (report.ok, report.kind) == (False, "credentials")
    assert "No S3 access key" in report.problem
    secrets.set(ACCESS_KEY_SECRET, TEST_KEY[0])
    secrets.set(SECRET_KEY_SECRET, TEST_KEY[1])
    try:
        assert target.test_connection().ok
    finally:
        for name in (ACCESS_KEY_SECRET, SECRET_KEY_SECRET):
            secrets.delete(name)


def test_twenty_packages_through_a_faulty_network_arrive_once_each(context, org, s3_server):
    bucket = s3_server.make_bucket(object_lock=True)
    client = s3_server.client()
    packages = [notes_only_package(context, org, account=f"Account {n}") for n in range(20)]
    with faulty_proxy((s3_server.host, s3_server.port)) as proxy:
        target = s3_target(s3_server, bucket, endpoint=proxy.endpoint_url, max_attempts=6)
        for package in packages:
            target.put_package(package)
            target.put_package(package)  # a duplicate: must change nothing
    applied = proxy.log.applied
    for fault in ("drop_request", "drop_response", "500", "503", "stall"):
        assert applied[fault] >= 3, applied

    listed = client.list_objects_v2(Bucket=bucket, MaxKeys=1000)
    keys = [o["Key"] for o in listed["Contents"]]
    assert len(keys) == len(set(keys)) == sum(len(p.files) + 1 for p in packages)
    versions, counts = versions_by_key(client, bucket)  # the bucket keeps every version
    assert {k for k, n in counts.items() if n > 1} == set()
    assert sorted(counts) == sorted(keys)
    sums = {f"{p.package_id}/{n}": sha256_hex(d) for p in packages for n, d in p.files.items()}
    sums |= {f"{p.package_id}/{INDEX}": sha256_hex(p.index_bytes) for p in packages}
    for version in versions:
        stored = client.get_object(
            Bucket=bucket, Key=version["Key"], VersionId=version["VersionId"]
        )
        assert sha256_hex(stored["Body"].read()) == sums[version["Key"]]
        assert stored["Metadata"]["sha256"] == sums[version["Key"]]
    verifier = s3_target(s3_server, bucket)
    for package in packages:
        assert verifier.has_package(package.package_id)
        index = json.loads(
            client.get_object(Bucket=bucket, Key=f"{package.package_id}/{INDEX}")["Body"].read()
        )
        assert index == json.loads(package.index_bytes)
        for name, data in package.files.items():
            body = client.get_object(Bucket=bucket, Key=f"{package.package_id}/{name}")[
                "Body"
            ].read()
            assert body == data
            manifest = (
                json.loads(pyrage.decrypt(body, [org])) if name == "manifest.json.age" else None
            )
            if manifest:
                assert manifest["package_id"] == package.package_id
