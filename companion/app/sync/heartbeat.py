"""At every sync the laptop says how it is: a small signed heartbeat in the store.

`fleet/<rep>/heartbeat.json` (format: `core.access.heartbeats`), replaced each pass,
signed by the laptop's device key (`device_key`: the one that signs its packages, its
public half at `reps/<rep>/device.txt`, which the desk checks heartbeats against).
A heartbeat that cannot be sent never fails the delivery: the summary says so.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from companion import __version__
from companion.app.sync.device_key import device_key, publish_device_key
from companion.app.sync.profile import SyncProfile
from companion.core.access import signed
from companion.core.access.heartbeats import Heartbeat, heartbeat_document
from companion.core.errors import UserFacingError
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
    policy_version: str | None,
    refusals: int,
    now: datetime | None = None,
) -> None:
    """Raises UserFacingError (keyring) or the store's errors (OSError, botocore's)."""
    key = device_key(context.secrets)
    beat = heartbeat_now(context, policy_version, refusals, now or datetime.now(UTC))
    publish_device_key(store, key, context.rep)
    store.put(
        f"fleet/{context.rep}/heartbeat.json", signed.canonical(heartbeat_document(beat, key))
    )


def with_heartbeat(
    context: SyncProfile, store: OrgStore, policy_version: str, refusals: int, summary: str
) -> str:
    try:
        publish_heartbeat(context, store, policy_version, refusals, context.clock())
    except UserFacingError as error:
        return f"{summary}; heartbeat not sent ({error})"
    except Exception as error:  # OSError or botocore's: the next pass sends one
        return f"{summary}; heartbeat waits for the next sync ({error})"
    return summary
