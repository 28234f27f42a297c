"""The rep's side of the organisation's legal holds: fetched at each sync, kept, honoured.

Holds and releases are read from the store's `holds/` folder (see `core.access.holds`),
checked against the approvers of the rep's own signed policy, and the ones still standing
are kept in `<data>/org-holds.json` for the retention sweeper:

    {"active": [{"id", "matter", "approver", "calls", "accounts", "reps", "review_on"}],
     "released": ["<hold id>", ...], "refused": ["<file name>", ...]}

A new hold, a release and a refused file (its signature does not hold, or its signer may
not place holds: it is ignored) are each audited once.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from companion.core.access.holds import OrgHold, check_hold, check_release
from companion.core.access.rules import AccessRefused
from companion.core.policy.model import Policy
from companion.edges.store import audit
from companion.edges.sync.org_store import OrgStore

BOOK = "org-holds.json"
FOLDER = "holds"


def org_holds(data_dir: Path) -> list[OrgHold]:
    """The organisation's holds standing at the last sync."""
    data = _book(data_dir)
    return [
        OrgHold(**(h | {k: tuple(h[k]) for k in ("calls", "accounts", "reps")}))
        for h in data["active"]
    ]


def _book(data_dir: Path) -> dict[str, Any]:
    try:
        return dict(json.loads((data_dir / BOOK).read_bytes()))
    except (FileNotFoundError, ValueError):
        return {"active": [], "released": [], "refused": []}


class _Pass:
    """One sync's look at the holds folder, auditing only what changed since the last."""

    def __init__(self, store: OrgStore, policy: Policy, rep: str, before: dict[str, Any]) -> None:
        self.store, self.policy, self.rep = store, policy, rep
        self.known = {h["id"] for h in before["active"]}
        self.released_before = set(before["released"])
        self.refused_before = set(before.get("refused", []))
        self.refused: set[str] = set()

    def refuse(self, session: Session, name: str, error: AccessRefused) -> None:
        self.refused.add(name)
        if name not in self.refused_before:
            audit.append(session, "legal_hold.refused", self.rep, {"file": name, "why": str(error)})

    def read(self, session: Session, name: str) -> OrgHold | None:
        try:
            return check_hold(self.store.get(f"{FOLDER}/{name}") or b"", self.policy.access)
        except AccessRefused as error:
            self.refuse(session, name, error)
            return None

    def release_reason(self, session: Session, hold: OrgHold, names: set[str]) -> str | None:
        name = f"{hold.id}.release.json"
        if name not in names:
            return None
        raw = self.store.get(f"{FOLDER}/{name}") or b""
        try:
            return check_release(raw, self.policy.access, hold.id)
        except AccessRefused as error:
            self.refuse(session, name, error)
            return None


def sync_holds(
    store: OrgStore, policy: Policy, rep: str, data_dir: Path, db: sessionmaker[Session]
) -> list[OrgHold]:
    """Read holds and releases from the store; keep and audit what changed."""
    names = set(store.names(FOLDER))
    look = _Pass(store, policy, rep, _book(data_dir))
    active: list[OrgHold] = []
    released: set[str] = set()
    with db.begin() as session:
        for name in sorted(n for n in names if n.endswith(".json") and ".release." not in n):
            hold = look.read(session, name)
            if hold is None:
                continue
            reason = look.release_reason(session, hold, names)
            if reason is None:
                active.append(hold)
                if hold.id not in look.known:
                    audit.append(session, "legal_hold.placed", hold.approver, asdict(hold))
                continue
            released.add(hold.id)
            if hold.id not in look.released_before:
                payload = {"hold": hold.id, "reason": reason}
                audit.append(session, "legal_hold.released", hold.approver, payload)
    data = {
        "active": [asdict(h) for h in active],
        "released": sorted(released | look.released_before),
        "refused": sorted(look.refused),
    }
    partial = data_dir / (BOOK + ".partial")
    partial.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    partial.replace(data_dir / BOOK)
    return active
