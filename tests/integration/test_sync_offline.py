"""Offline (on a plane, a hotel captive portal): calls wait without burning retries."""

from __future__ import annotations

import socket

import pyrage
import pytest
from peers.commands import companion

from companion.policy.source import default_policy_path
from companion.secrets import SecretStore
from companion.services.calls import CallRequest
from companion.services.context import build_context
from companion.store.models import SyncJobRecord

CRM = ("qualification", "next_steps", "timeline", "risks")


def _closed_port() -> int:
    with socket.socket() as probe:  # bound, then closed: nothing listens there
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.usefixtures("secret_service")
def test_offline_calls_wait_without_backoff_and_go_when_the_network_is_back(s3_server):
    context = build_context()
    context.calls._recorder = None
    recipient = pyrage.x25519.Identity.generate().to_public()
    context.paths.policy_override.write_text(
        default_policy_path().read_text(encoding="utf-8")
        + f'\n[sync]\nrecipients = ["{recipient}"]\n',
        encoding="utf-8",
    )
    SecretStore().set("s3-access-key-id", "testing")
    SecretStore().set("s3-secret-access-key", "testing")
    call_ids = []
    for account in ("Acme", "Globex", "Initech"):
        context.calls.start_call(CallRequest(account, "discovery", "DE"))
        context.calls.mark_decline()
        call_ids.append(context.calls.current.details.call_id)
        context.calls.end_call()
        for key in CRM:
            context.review.set_crm_field(call_ids[-1], key, "done")
        context.review.mark_ready(call_ids[-1])
    bucket = s3_server.make_bucket()
    offline = context.settings.load().with_changes(
        s3_bucket=bucket, s3_endpoint=f"http://127.0.0.1:{_closed_port()}"
    )
    context.settings.save(offline)

    for _ in range(2):
        away = companion("sync", "--once")
        assert away.returncode == 1
        last = away.stdout.splitlines()[-1]
        assert last.startswith("sync: 0 delivered, offline, 3 waiting for the network")
        assert "refused the connection" in last
    with context.store() as db:
        jobs = [db.get(SyncJobRecord, c) for c in call_ids]
        assert [(j.state, j.attempts) for j in jobs] == [("queued", 0)] * 3  # no backoff

    context.settings.save(offline.with_changes(s3_endpoint=s3_server.endpoint_url))
    back = companion("sync", "--once")
    assert back.returncode == 0, back.stderr
    assert back.stdout.splitlines()[-1] == "sync: 3 delivered"


def test_an_unmounted_share_is_offline_and_never_created_on_the_laptop(tmp_path):
    context = build_context()
    context.calls._recorder = None
    recipient = pyrage.x25519.Identity.generate().to_public()
    context.paths.policy_override.write_text(
        default_policy_path().read_text(encoding="utf-8")
        + f'\n[sync]\nrecipients = ["{recipient}"]\n',
        encoding="utf-8",
    )
    share = tmp_path / "mnt" / "team-share"
    context.settings.save(context.settings.load().with_changes(sync_folder=str(share)))
    context.calls.start_call(CallRequest("Acme", "discovery", "DE"))
    context.calls.mark_decline()
    call_id = context.calls.current.details.call_id
    context.calls.end_call()
    for key in CRM:
        context.review.set_crm_field(call_id, key, "done")
    context.review.mark_ready(call_id)

    away = companion("sync", "--once")
    assert "offline, 1 waiting for the network" in away.stdout
    assert "is the drive mounted?" in away.stdout and not share.exists()
    with context.store() as db:
        assert db.get(SyncJobRecord, call_id).attempts == 0
    share.mkdir(parents=True)  # the drive is back
    assert companion("sync", "--once").stdout.splitlines()[-1] == "sync: 1 delivered"
