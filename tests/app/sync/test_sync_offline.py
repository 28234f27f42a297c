"""Offline (on a plane, a hotel captive portal): calls wait without burning retries."""

from __future__ import annotations

import hashlib
import socket
from collections import Counter

import pyrage
import pytest
from call_helpers import organisation_policy, ready_call
from peers.commands import companion
from peers.faulty_proxy import faulty_proxy

from companion.edges.secrets import SecretStore
from companion.edges.store.models import SyncJobRecord


def _closed_port() -> int:
    with socket.socket() as probe:  # bound, then closed: nothing listens there
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.usefixtures("secret_service")
def test_a_server_stopped_and_started_again_gets_every_call_once_without_backoff(
    s3_server, make_context
):
    context = make_context()
    organisation_policy(context, str(pyrage.x25519.Identity.generate().to_public()))
    SecretStore().set("s3-access-key-id", "testing")
    SecretStore().set("s3-secret-access-key", "testing")
    bucket = s3_server.make_bucket()
    port = _closed_port()  # the server's one address, down and up again
    context.settings.save(
        context.settings.load().with_changes(
            s3_bucket=bucket, s3_endpoint=f"http://127.0.0.1:{port}"
        )
    )
    upstream = (s3_server.host, s3_server.port)
    first = ready_call(context, "Acme")
    with faulty_proxy(upstream, schedule=("pass",), port=port):
        assert companion("sync", "--once").stdout.splitlines()[-1] == "sync: 1 delivered"

    later = [ready_call(context, account) for account in ("Globex", "Initech")]
    for _ in range(2):  # the server is down
        away = companion("sync", "--once")
        assert away.returncode == 4  # the target could not be reached (README)
        last = away.stdout.splitlines()[-1]
        assert last.startswith("sync: 0 delivered, offline, 2 waiting for the network")
        assert "refused the connection" in last
    with context.store() as db:
        jobs = [db.get(SyncJobRecord, c) for c in later]
        assert [(j.state, j.attempts) for j in jobs] == [("queued", 0)] * 2  # no backoff

    with faulty_proxy(upstream, schedule=("pass",), port=port):  # the server is back
        back = companion("sync", "--once")
    assert back.returncode == 0, back.stderr
    assert back.stdout.splitlines()[-1] == "sync: 2 delivered"
    client = s3_server.client()
    versions = client.list_object_versions(Bucket=bucket)["Versions"]
    # The packages; besides them the store holds the laptop's heartbeat (fleet/, replaced
    # at each pass) and its device key (reps/).
    versions = [v for v in versions if v["Key"].startswith("call-")]
    assert set(Counter(v["Key"] for v in versions).values()) == {1}
    assert {v["Key"].split("/")[0] for v in versions} == {f"call-{c}" for c in [first, *later]}
    for version in versions:
        body = client.get_object(Bucket=bucket, Key=version["Key"])["Body"].read()
        stored = client.head_object(Bucket=bucket, Key=version["Key"])["Metadata"]
        assert stored.get("sha256") == hashlib.sha256(body).hexdigest()


def test_an_unmounted_share_is_offline_and_never_created_on_the_laptop(tmp_path, make_context):
    context = make_context()
    organisation_policy(context, str(pyrage.x25519.Identity.generate().to_public()))
    share = tmp_path / "mnt" / "team-share"
    context.settings.save(context.settings.load().with_changes(sync_folder=str(share)))
    call_id = ready_call(context, "Acme")

    away = companion("sync", "--once")
    assert away.returncode == 4 and "offline, 1 waiting for the network" in away.stdout
    assert "is the drive mounted?" in away.stdout and not share.exists()
    with context.store() as db:
        assert db.get(SyncJobRecord, call_id).attempts == 0
    share.mkdir(parents=True)  # the drive is back
    assert companion("sync", "--once").stdout.splitlines()[-1] == "sync: 1 delivered"
