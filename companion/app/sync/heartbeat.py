"""At every sync the laptop says how it is: a small signed heartbeat in the store.

`fleet/<rep>/heartbeat.json` (format: `core.access.heartbeats`), replaced each pass,
signed by the laptop's device key (`device_key`: the one that signs its packages, its
public half at `reps/<rep>/device.txt`, which the desk checks heartbeats against), so
only for an organisation with a desk (reviewers in its policy), as that key is.
A heartbeat that cannot be sent never fails the delivery: the summary says so.
"""

from __future__ import annotations

from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select

from companion import __version__
from companion.app.sync.profile import SyncProfile
from companion.core.access import signed
from companion.core.access.heartbeats import Heartbeat, heartbeat_document
from companion.edges.store.models import SyncJobRecord
from companion.edges.sync.org_store import OrgStore


def heartbeat_now(
    context: SyncProfile, policy_version: str | None, refusals: int, now: datetime
) -> Heartbeat:
    with context.store() as db:
        queue = db.scalar(
            select(func.count()).select_from(SyncJobRecord).where(SyncJobRecord.state == "queued")
        )
        last = db.scalar(select(func.max(SyncJobRecord.delivered_at)))
    if last is not None and last.tzinfo is None:  # SQLite gives naive UTC back
        last = last.replace(tzinfo=UTC)
    return Heartbeat(context.rep, __version__, policy_version, now, last, int(queue or 0), refusals)


def publish_heartbeat(
    context: SyncProfile,
    store: OrgStore,
    key: Ed25519PrivateKey,
    policy_version: str | None,
    refusals: int,
    now: datetime | None = None,
) -> None:
    """Raises the store's errors (OSError, botocore's)."""
    beat = heartbeat_now(context, policy_version, refusals, now or datetime.now(UTC))
    store.put(
        f"fleet/{context.rep}/heartbeat.json", signed.canonical(heartbeat_document(beat, key))
    )


def with_heartbeat(
    context: SyncProfile,
    store: OrgStore,
    key: Ed25519PrivateKey | None,
    policy_version: str,
    refusals: int,
    summary: str,
) -> str:
    """Only for an organisation with a desk (the pass then has the device key)."""
    if key is None:
        return summary
    try:
        publish_heartbeat(context, store, key, policy_version, refusals, context.clock())
    except Exception as error:  # OSError or botocore's: the next pass sends one
        return f"{summary}; heartbeat waits for the next sync ({error})"
    return summary
