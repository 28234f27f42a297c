"""Multipart uploads of large package files: resumed after a cut, kept whole, one version.

Every test runs against moto and against SeaweedFS (the `s3_server` fixture's kinds);
where the two servers differ, the test says how and checks each.
"""

from __future__ import annotations

import json
import logging
import random

import pyrage
import pytest
from peers.faulty_proxy import faulty_proxy
from s3_helpers import (
    MiB,
    notes_only_package,
    part_numbers,
    s3_target,
    versions_by_key,
    with_large_file,
)

from companion.edges.sync.package import INDEX, sha256_hex
from companion.edges.sync.targets import SyncError


def test_s3_multipart_upload_keeps_tags_and_gets_retention(context, org, s3_server):
    bucket = s3_server.make_bucket(object_lock=True)
    client = s3_server.client()
    package = notes_only_package(context, org, note="x" * 200)
    big = pyrage.encrypt(
        bytes(range(256)) * 24_000, [pyrage.x25519.Recipient.from_str(str(org.to_public()))]
    )
    large = with_large_file(package, big)
    target = s3_target(s3_server, bucket, multipart_threshold=5 * MiB, multipart_chunk=5 * MiB)
    target.put_package(large)
    key = f"{package.package_id}/moments.vtt.age"
    head = client.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    assert head["ContentLength"] == len(big) > 5 * MiB
    assert head.get("PartsCount", 2) >= 2 or "-" in head.get("ETag", "")
    assert head["ObjectLockMode"] == "GOVERNANCE"
    assert head["Metadata"]["sha256"] == sha256_hex(big)
    assert head["ChecksumSHA256"]  # the composite of the parts' SHA-256 checksums
    assert sha256_hex(client.get_object(Bucket=bucket, Key=key)["Body"].read()) == sha256_hex(big)
    tags = {
        t["Key"]: t["Value"] for t in client.get_object_tagging(Bucket=bucket, Key=key)["TagSet"]
    }
    assert tags["use"] == "coaching"
    assert target.has_package(package.package_id)
    assert client.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def _cut_after_two_parts(s3_server, bucket, package, options):
    """Upload `package` until two parts are through, then cut the network for parts."""
    parts_through = [0]

    def rule(method, target):
        if method == "PUT" and "partNumber=" in target:
            parts_through[0] += 1
            return "pass" if parts_through[0] <= 2 else "drop_request"
        return "pass"

    with faulty_proxy((s3_server.host, s3_server.port), ("pass",), rule=rule) as proxy:
        cut = s3_target(s3_server, bucket, proxy.endpoint_url, max_attempts=2, **options)
        with pytest.raises(SyncError):
            cut.put_package(package)


def _upload_of_other_bytes(client, bucket, key, part):
    """An abandoned upload of the key holding one part of zeros, 5 MiB like ours."""
    other = client.create_multipart_upload(Bucket=bucket, Key=key, ChecksumAlgorithm="SHA256")
    client.upload_part(
        Bucket=bucket,
        Key=key,
        UploadId=other["UploadId"],
        PartNumber=part,
        Body=bytes(5 * MiB),
        ChecksumAlgorithm="SHA256",
    )
    return other["UploadId"]


def _said(caplog):
    """The one line the multipart upload logged: INFO, without a traceback."""
    [record] = [r for r in caplog.records if r.name == "companion.edges.sync.s3_multipart"]
    assert (record.levelno, record.exc_info) == (logging.INFO, None)
    return record.getMessage()


def test_s3_multipart_upload_cut_off_resumes_with_only_the_missing_parts(
    context, org, s3_server, caplog
):
    bucket = s3_server.make_bucket(object_lock=True)
    client = s3_server.client()
    big = random.Random(7).randbytes(21 * MiB)  # 5 parts of 5 MiB, the last 1 MiB
    large = with_large_file(notes_only_package(context, org), big, legal_hold=True)
    key = f"{large.package_id}/moments.vtt.age"
    options = {"multipart_threshold": 5 * MiB, "multipart_chunk": 5 * MiB}
    _cut_after_two_parts(s3_server, bucket, large, options)
    [upload] = client.list_multipart_uploads(Bucket=bucket, Prefix=key)["Uploads"]
    listed_parts = client.list_parts(**_upload(bucket, upload))["Parts"]
    stored = {p["PartNumber"] for p in listed_parts}
    assert len(stored) == 2 and stored < {1, 2, 3, 4, 5}
    # What the server tells about the cut upload. moto names its checksum algorithm;
    # SeaweedFS lists only UploadId, Key and Initiated. Neither lists a part's SHA-256
    # (real S3 does): the retry must verify each part by its size and MD5 ETag.
    if s3_server.kind == "moto":
        assert upload["ChecksumAlgorithm"] == "SHA256"
    else:
        assert "ChecksumAlgorithm" not in upload
    assert not any(p.get("ChecksumSHA256") for p in listed_parts)
    _upload_of_other_bytes(client, bucket, key, min(stored))  # never completed with ours

    caplog.set_level(logging.INFO, logger="companion.edges.sync.s3_multipart")
    with faulty_proxy((s3_server.host, s3_server.port), ("pass",)) as watch:
        resumed = s3_target(s3_server, bucket, watch.endpoint_url, **options)
        resumed.put_package(large)
    assert part_numbers(watch.log.requests("PUT", "partNumber=")) == sorted(
        {1, 2, 3, 4, 5} - stored
    )
    assert watch.log.requests("POST", "?uploads") == []  # no new upload was begun
    assert len(watch.log.requests("POST", f"uploadId={upload['UploadId']}")) == 1  # completed
    assert [t for t in watch.log.requests("PUT") if key in t and "?" not in t] == []
    assert resumed.last_multipart.resume == "md5-etag"
    assert _said(caplog) == (
        f"Resuming the upload of {key}: 2 of 5 parts stored, verified by size and MD5 ETag "
        "(the server lists no part checksums); sending 3."
    )

    assert client.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []  # stale: gone
    _versions, counts = versions_by_key(client, bucket)
    assert set(counts.values()) == {1}
    assert s3_target(s3_server, bucket).has_package(large.package_id)
    head = client.head_object(Bucket=bucket, Key=key)
    assert (head["ContentLength"], head["Metadata"]["sha256"]) == (len(big), sha256_hex(big))
    assert head["ObjectLockMode"] == "GOVERNANCE" and head["ObjectLockRetainUntilDate"]
    assert head["ObjectLockLegalHoldStatus"] == "ON"
    assert sha256_hex(client.get_object(Bucket=bucket, Key=key)["Body"].read()) == sha256_hex(big)
    tags = {
        t["Key"]: t["Value"] for t in client.get_object_tagging(Bucket=bucket, Key=key)["TagSet"]
    }
    assert tags == {"rep": context.rep, "call-type": "discovery", "use": "coaching"}


def test_s3_upload_holding_other_bytes_is_not_resumed_but_started_again(
    context, org, s3_server, caplog
):
    bucket = s3_server.make_bucket(object_lock=False)
    client = s3_server.client()
    big = random.Random(9).randbytes(11 * MiB)  # 5 + 5 + 1 MiB
    large = with_large_file(notes_only_package(context, org), big)
    key = f"{large.package_id}/moments.vtt.age"
    # A cut upload of the key whose stored part has our part's size but other bytes
    # (only its MD5 ETag tells): nothing in it can be verified as ours.
    other = _upload_of_other_bytes(client, bucket, key, 1)

    caplog.set_level(logging.INFO, logger="companion.edges.sync.s3_multipart")
    with faulty_proxy((s3_server.host, s3_server.port), ("pass",)) as watch:
        options = {"multipart_threshold": 5 * MiB, "multipart_chunk": 5 * MiB}
        target = s3_target(s3_server, bucket, watch.endpoint_url, **options)
        target.put_package(large)
    assert len(watch.log.requests("POST", f"{key}?uploads")) == 1  # a new upload
    assert part_numbers(watch.log.requests("PUT", "partNumber=")) == [1, 2, 3]
    assert watch.log.requests("DELETE", f"uploadId={other}")  # the other one: aborted
    assert target.last_multipart.resume == "restarted"
    assert (
        _said(caplog) == f"Sending {key} again from its first part: an upload's part 1 is not ours."
    )

    assert client.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    _versions, counts = versions_by_key(client, bucket)
    assert set(counts.values()) == {1}
    assert sha256_hex(client.get_object(Bucket=bucket, Key=key)["Body"].read()) == sha256_hex(big)
    assert s3_target(s3_server, bucket).has_package(large.package_id)


def _upload(bucket, upload):
    return {"Bucket": bucket, "Key": upload["Key"], "UploadId": upload["UploadId"]}


def test_s3_answers_lost_after_the_server_stored_leave_one_version(context, org, s3_server):
    # The duplicated upload: the server stores a PUT, its answer is lost, botocore sends
    # it again within the same call. Every first write of every key loses its answer.
    bucket = s3_server.make_bucket(object_lock=True)
    client = s3_server.client()
    big = random.Random(8).randbytes(11 * MiB)
    large = with_large_file(notes_only_package(context, org), big)
    first = set()

    def lose_first_answers(method, target):
        write = (method == "PUT" and ("?" not in target or "partNumber=" in target)) or (
            method == "POST" and "uploadId=" in target
        )
        if write and target not in first:
            first.add(target)
            return "drop_response"
        return "pass"

    upstream = (s3_server.host, s3_server.port)
    with faulty_proxy(upstream, ("pass",), rule=lose_first_answers) as proxy:
        options = {"multipart_threshold": 5 * MiB, "multipart_chunk": 5 * MiB}
        target = s3_target(s3_server, bucket, proxy.endpoint_url, **options)
        target.put_package(large)
        target.put_package(large)  # and the whole package sent again: changes nothing
        assert target.has_package(large.package_id)
    # manifest and index PUTs, 3 parts (5 + 5 + 1 MiB) and the completion lost their answer
    assert proxy.log.applied["drop_response"] == 2 + 3 + 1
    key = f"{large.package_id}/moments.vtt.age"
    assert len(proxy.log.requests("POST", f"{key}?uploadId=")) == 2  # completion, and again
    # The completion sent again: moto answers 200 as if it were new; SeaweedFS, like S3,
    # answers 412, so the target HEADs (its own bytes) and then looks for leftover
    # uploads of the key (a second ListMultipartUploads) to abort.
    looks = 1 if s3_server.kind == "moto" else 2
    assert len(proxy.log.requests("GET", "?uploads&prefix=" + key.replace("/", "%2F"))) == looks
    versions, counts = versions_by_key(client, bucket)
    assert counts == {f"{large.package_id}/{n}": 1 for n in [*large.files, INDEX]}
    index = json.loads(large.index_bytes)
    for version in versions:
        name = version["Key"].split("/", 1)[1]
        body = client.get_object(Bucket=bucket, Key=version["Key"], VersionId=version["VersionId"])
        data = body["Body"].read()
        expected = (
            index["files"][name]["sha256"] if name != INDEX else sha256_hex(large.index_bytes)
        )
        assert sha256_hex(data) == expected == body["Metadata"]["sha256"]
