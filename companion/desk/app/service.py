"""The desk service: the policy, its database, the store and the key custodian, held
once per process; each request gets a `ReviewerSession` (or `ApproverSession`) for the
signed-in person (`ReviewerSession(service, "dana")` in `reads`, `ApproverSession` in
`approvals`), so the JSON routes and the web pages share the one door.

Service processes keep no state of their own: several may share one database and store.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from companion.core.access.door import Decision
from companion.core.access.rules import AccessRefused
from companion.core.policy.model import Policy
from companion.desk.app.ledger import Ledger
from companion.desk.edges.custodian import Custodian
from companion.desk.edges.models import RefusalRow
from companion.edges.sync.org_store import OrgStore


class CallNotFound(AccessRefused):
    """No such call, or none the reviewer may know of: the same answer for both."""

    def __init__(self, call: str) -> None:
        super().__init__(f"There is no call '{call}' among the calls you may see.")


@dataclass
class DeskService:
    policy: Policy
    db: sessionmaker[Session]
    store: OrgStore
    custodian: Custodian
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    require_signed: bool = True  # packages from enrolled devices only
    policy_path: Path | None = None  # the signed policy file (evidence bundles carry it)

    @property
    def ledger(self) -> Ledger:
        return Ledger(self.db, self.store, self.custodian, self.policy)

    def refuse(self, who: str, read: str, call: str | None, decision: Decision) -> AccessRefused:
        """Audit a refusal of the door; the error to raise (hidden ones: not found)."""
        with self.db.begin() as session:
            session.add(
                RefusalRow(
                    at=self.clock(),
                    reviewer=who,
                    read=read,
                    call=call,
                    rule=decision.rule,
                    message=decision.message,
                )
            )
        if decision.hidden and call is not None:
            return CallNotFound(call)
        return AccessRefused(f"Refused by {decision.line()}.")
