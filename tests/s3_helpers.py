"""Shared by the S3 target tests: packages to send, targets, and what the bucket holds."""

from __future__ import annotations

import socket
from collections import Counter
from urllib.parse import parse_qs, urlsplit

from peers.s3 import REGION, TEST_KEY

from companion.app.calls.service import CallRequest
from companion.app.sync.call_package import package_call
from companion.edges.sync.package import sha256_hex
from companion.edges.sync.s3_connection import (
    S3Credentials,
)
from companion.edges.sync.s3_target import S3Target

MiB = 1024 * 1024


def notes_only_package(ctx, org, account="Acme", note="follow up"):
    calls = ctx.calls
    session = calls.start_call(CallRequest(account, "discovery", "DE"))
    calls.mark_decline()
    calls.mark_moment("pain_point", note)
    calls.end_call()
    return package_call(
        ctx.store, session.details.call_id, ctx.active_policy().policy, None, [str(org.to_public())]
    )


def fixed(key=TEST_KEY):
    return lambda: S3Credentials(*key)


def s3_target(peer, bucket, endpoint=None, key=TEST_KEY, **options):
    return S3Target(bucket, endpoint or peer.endpoint_url, REGION, fixed(key), **options)


def with_large_file(package, data, *, legal_hold=None):
    """`package` with `moments.vtt.age` replaced by `data` (the target sees only bytes)."""
    files = package.files | {"moments.vtt.age": data}
    index = dict(package.index) | {
        "files": {n: {"size": len(d), "sha256": sha256_hex(d)} for n, d in files.items()}
    }
    if legal_hold is not None:
        index["legal_hold"] = legal_hold
    return type(package)(package.package_id, files, package.manifest, index, package.tags)


def versions_by_key(client, bucket):
    versions = []
    for page in client.get_paginator("list_object_versions").paginate(Bucket=bucket):
        versions += page.get("Versions", [])
        assert not page.get("DeleteMarkers")
    return versions, Counter(v["Key"] for v in versions)


def part_numbers(targets):
    return sorted(int(parse_qs(urlsplit(t).query)["partNumber"][0]) for t in targets)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
