"""Delivering ready calls to the organisation's target, with backoff and no duplicates.

The queue is a table, so a restart resumes where it stopped. Packages are
idempotent per call (the target skips one it already holds), so a retry after a
cut connection, or a second worker, never leaves two copies.
"""

from __future__ import annotations

import logging
import os
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from companion.app.sync.call_package import TranscriptPending, package_call
from companion.app.sync.progress import SyncProgress, no_progress
from companion.core.policy.model import Policy
from companion.edges.store import audit
from companion.edges.store.models import CallRecord, CallReviewRecord, SyncJobRecord
from companion.edges.sync.package import PackageError, encrypt_for, package_id_for
from companion.edges.sync.sealed_cache import SealedCache
from companion.edges.sync.targets import SyncError, SyncTarget

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

log = logging.getLogger(__name__)
BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=1)
# Connection problems that mean "no network to the target", not "this package failed":
# they cost no attempt and no backoff, so calls go out as soon as the network is back.
OFFLINE_KINDS = frozenset({"dns", "refused", "timeout", "network", "unmounted"})


@dataclass
class SyncReport:
    delivered: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    waiting: int = 0  # queued but backing off
    # Held back by the policy until their transcript is done (numbers to silence): why.
    untranscribed: list[tuple[str, str]] = field(default_factory=list)
    offline: str | None = None  # why the target could not be reached; the pass stopped

    def summary(self) -> str:
        parts = [f"{len(self.delivered)} delivered"]
        if self.offline:
            parts.append(f"offline, {self.waiting} waiting for the network ({self.offline})")
            return ", ".join(parts)
        if self.failed:
            parts.append(f"{len(self.failed)} failed (will retry): {self.failed[0][1]}")
        if self.waiting:
            parts.append(f"{self.waiting} waiting to retry")
        if self.untranscribed:
            why = self.untranscribed[0][1]
            parts.append(f"{len(self.untranscribed)} waiting for the transcript ({why})")
        return ", ".join(parts)


def backoff(attempts: int, rng: random.Random) -> timedelta:
    """Exponential with full jitter: retries from many laptops do not arrive together."""
    ceiling = min(MAX_DELAY, BASE_DELAY * (2 ** max(0, attempts - 1)))
    return timedelta(seconds=rng.uniform(0.5, 1.0) * ceiling.total_seconds())


class SyncWorker:
    def __init__(
        self,
        store: sessionmaker[Session],
        target: SyncTarget,
        master_key: Callable[[], bytes],
        actor: str,
        sealed: SealedCache | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        rng: random.Random | None = None,
        device_key: Ed25519PrivateKey | None = None,
    ) -> None:
        self._store, self._target, self._master_key = store, target, master_key
        self._device_key = device_key  # signs packages for an organisation's desk service
        self._sealed = sealed
        self._actor, self._clock = actor, clock
        self._rng = rng or random.Random()

    def enqueue_ready(self) -> int:
        """Queue every call the rep marked ready that is not queued yet."""
        with self._store.begin() as db:
            ready = db.scalars(
                select(CallReviewRecord.call_id).where(
                    CallReviewRecord.ready_to_sync.is_(True),
                    CallReviewRecord.call_id.not_in(select(SyncJobRecord.call_id)),
                )
            ).all()
            for call_id in ready:
                db.add(
                    SyncJobRecord(
                        call_id=call_id,
                        state="queued",
                        attempts=0,
                        next_attempt_at=self._clock(),
                        last_error="",
                        location="",
                    )
                )
            return len(ready)

    def run_once(
        self, policy: Policy, progress: Callable[[SyncProgress], None] = no_progress
    ) -> SyncReport:
        self.enqueue_ready()
        now = self._clock()
        report = SyncReport()
        with self._store() as db:
            jobs = db.scalars(select(SyncJobRecord).where(SyncJobRecord.state == "queued")).all()
        due: list[str] = []
        for job in jobs:
            if job.next_attempt_at.replace(tzinfo=job.next_attempt_at.tzinfo or UTC) > now:
                report.waiting += 1
            else:
                due.append(job.call_id)
        for position, call_id in enumerate(due, start=1):
            progress(SyncProgress(position, len(due), call_id, "uploading"))
            delivered = self._deliver(call_id, policy, report)
            stage = "synced" if delivered else "retry later"
            progress(SyncProgress(position, len(due), call_id, stage))
            if report.offline:  # the rest would fail the same way: wait for the network
                report.waiting += len(due) - position + 1
                break
        return report

    def _deliver(self, call_id: str, policy: Policy, report: SyncReport) -> bool:
        try:
            package_id = package_id_for(call_id)
            seal = self._sealed.sealer(package_id, encrypt_for) if self._sealed else None
            package = package_call(
                self._store,
                call_id,
                policy,
                self._audio_key(call_id),
                policy.sync.recipients,
                seal,
                self._device_key,
            )
            location = self._target.put_package(package)
        except TranscriptPending as error:  # not a failure: no attempt counted, no backoff
            report.untranscribed.append((call_id, str(error)))
            return False
        except (PackageError, SyncError, OSError) as error:
            offline = self._offline(error) if isinstance(error, SyncError) else None
            if offline:
                report.offline = offline
                log.info("sync of %s waits for the network: %s", call_id, offline)
                return False
            self._failed(call_id, str(error))
            report.failed.append((call_id, str(error)))
            return False
        with self._store.begin() as db:
            job = db.get(SyncJobRecord, call_id)
            assert job is not None
            job.state, job.location, job.delivered_at = "delivered", location, self._clock()
            review = db.scalars(
                select(CallReviewRecord).where(CallReviewRecord.call_id == call_id)
            ).one()
            review.sync_state = "synced"
            audit.append(
                db,
                "call.synced",
                self._actor,
                {"package": package.name, "to": location},
                call_id=call_id,
                at=self._clock(),
            )
        report.delivered.append(call_id)
        if self._sealed:
            self._sealed.forget(package.package_id)
        return True

    def _offline(self, error: SyncError) -> str | None:
        """After a failed upload: is the target unreachable at all (DNS, refused, ...)?

        Only a connection failure can mean offline (an answer from the server, such as
        AccessDenied, is a real failure that must back off and be shown). Behind an
        HTTP proxy the direct probe says nothing, so the error alone decides there.
        """
        if not _connection_failure(error):
            return None
        if _behind_proxy():
            return str(error)
        connection = self._target.test_connection()
        if not connection.ok and connection.kind in OFFLINE_KINDS:
            return connection.problem or connection.kind
        return None

    def _audio_key(self, call_id: str) -> bytes | None:
        with self._store() as db:
            call = db.get(CallRecord, call_id)
            recorded = call is not None and call.outcome == "recorded"
        return self._master_key() if recorded else None

    def _failed(self, call_id: str, reason: str) -> None:
        log.warning("sync of %s failed: %s", call_id, reason)
        with self._store.begin() as db:
            job = db.get(SyncJobRecord, call_id)
            assert job is not None
            job.attempts += 1
            job.last_error = reason
            job.next_attempt_at = self._clock() + backoff(job.attempts, self._rng)


_CONNECTION_ERRORS = frozenset(
    {
        "EndpointConnectionError",
        "ConnectTimeoutError",
        "ConnectionClosedError",
        "ProxyConnectionError",
    }
)


def _connection_failure(error: BaseException) -> bool:
    """Whether the failure (or what caused it) is a connection that never worked."""
    seen: BaseException | None = error
    while seen is not None:
        names = {kind.__name__ for kind in type(seen).__mro__}
        # FileNotFoundError: a share folder that is not mounted (the probe confirms it).
        connection = (ConnectionError, TimeoutError, FileNotFoundError)
        if names & _CONNECTION_ERRORS or isinstance(seen, connection):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _behind_proxy() -> bool:
    return any(os.environ.get(name) for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY"))
