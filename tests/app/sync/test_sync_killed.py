"""The app killed in the middle of a sync: the next run finishes, and nothing is there twice."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter

import pyrage
import pytest
from call_helpers import organisation_policy, ready_call
from peers.commands import companion
from peers.faulty_proxy import faulty_proxy
from sqlalchemy import select

from companion.edges.secrets import SecretStore
from companion.edges.store import audit
from companion.edges.store.models import SyncJobRecord

CALLS = 6


def _half_sent(client, bucket: str) -> set[str]:
    """Packages with some files on the target but no index yet (the commit marker)."""
    listed = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    files: dict[str, set[str]] = {}
    for item in listed:
        package, name = item["Key"].split("/", 1)
        files.setdefault(package, set()).add(name)
    return {package for package, names in files.items() if "index.json" not in names}


def _kill_when_half_sent(child: subprocess.Popen[str], client, bucket: str) -> set[str]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and child.poll() is None:
        half = _half_sent(client, bucket)
        if half:
            os.killpg(child.pid, signal.SIGKILL)  # like a laptop whose battery died
            child.wait(timeout=10)
            return half
        time.sleep(0.02)
    child.kill()
    raise AssertionError("the sync finished or hung before it could be killed mid-upload")


@pytest.mark.usefixtures("secret_service")
def test_a_sync_killed_mid_upload_resumes_and_leaves_each_package_once(s3_server, make_context):
    identity = pyrage.x25519.Identity.generate()
    context = make_context()
    organisation_policy(context, str(identity.to_public()))
    secrets = SecretStore()
    secrets.set("s3-access-key-id", "testing")
    secrets.set("s3-secret-access-key", "testing")
    bucket = s3_server.make_bucket(object_lock=True)
    call_ids = {ready_call(context, f"Account {n}") for n in range(CALLS)}
    client = s3_server.client()

    # Every request is slowed down, so the kill lands between two files of one package.
    upstream = (s3_server.host, s3_server.port)
    with faulty_proxy(upstream, schedule=("stall",), stall_seconds=0.3) as proxy:
        settings = context.settings.load().with_changes(s3_bucket=bucket)
        context.settings.save(settings.with_changes(s3_endpoint=proxy.endpoint_url))
        child = subprocess.Popen(
            [sys.executable, "-m", "companion", "sync", "--once"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        half = _kill_when_half_sent(child, client, bucket)
    assert child.returncode == -signal.SIGKILL
    with context.store() as db:
        delivered = db.scalars(
            select(SyncJobRecord.call_id).where(SyncJobRecord.state == "delivered")
        ).all()
    assert len(delivered) < CALLS and not half & {f"call-{c}" for c in delivered}

    context.settings.save(settings.with_changes(s3_endpoint=s3_server.endpoint_url))
    again = companion("sync", "--once")
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[-1] == f"sync: {CALLS - len(delivered)} delivered"

    versions = client.list_object_versions(Bucket=bucket)["Versions"]
    twice = [k for k, n in Counter(v["Key"] for v in versions).items() if n > 1]
    assert twice == [], (twice, half)  # nothing twice
    # Besides the packages: the laptop's heartbeat (fleet/) and device key (reps/).
    packages = {v["Key"].split("/")[0] for v in versions} - {"fleet", "reps"}
    assert packages == {f"call-{c}" for c in call_ids}
    for package in packages:
        body = client.get_object(Bucket=bucket, Key=f"{package}/index.json")["Body"].read()
        for name, entry in json.loads(body)["files"].items():
            data = client.get_object(Bucket=bucket, Key=f"{package}/{name}")["Body"].read()
            assert (len(data), hashlib.sha256(data).hexdigest()) == (entry["size"], entry["sha256"])
    with context.store() as db:
        synced = [e["call_id"] for e in audit.entries(db) if e["kind"] == "call.synced"]
        assert audit.verify(db) == []
    assert sorted(synced) == sorted(call_ids)  # each call delivered, and audited, once
