"""What the rep did before, to prefill the next call: recent accounts, last details."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from companion.edges.store.models import CallRecord

RECENT_ACCOUNTS = 30


@dataclass(frozen=True)
class LastCall:
    account: str
    call_type: str
    region: str


def recent_accounts(store: sessionmaker[Session], limit: int = RECENT_ACCOUNTS) -> list[str]:
    """Accounts of the rep's calls, most recent first, each once."""
    with store() as db:
        rows = db.execute(
            select(CallRecord.account, func.max(CallRecord.started_at).label("last"))
            .group_by(CallRecord.account)
            .order_by(func.max(CallRecord.started_at).desc())
            .limit(limit)
        ).all()
    return [row.account for row in rows]


def last_call(store: sessionmaker[Session], account: str | None = None) -> LastCall | None:
    """The latest call with `account`, or the rep's latest call of all when None."""
    query = select(CallRecord.account, CallRecord.call_type, CallRecord.region)
    if account is not None:
        query = query.where(CallRecord.account == account)
    with store() as db:
        row = db.execute(query.order_by(CallRecord.started_at.desc()).limit(1)).first()
    return LastCall(row.account, row.call_type, row.region) if row else None


@dataclass(frozen=True)
class CallHistory:
    """The two questions the start dialog asks of the rep's past calls."""

    store: sessionmaker[Session]

    def accounts(self) -> list[str]:
        return recent_accounts(self.store)

    def last(self, account: str | None = None) -> LastCall | None:
        return last_call(self.store, account)
