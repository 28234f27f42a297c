"""The rep's side of the organisation's legal holds: fetched at each sync, kept, honoured.

Holds and releases are read from the store's `holds/` folder (see `core.access.holds`),
checked against the approvers of the rep's own signed policy, and the ones still standing
are kept in `<data>/org-holds.json` for the retention sweeper:

    {"active": [{"id", "matter", "approver", "calls", "accounts", "reps", "review_on"}],
     "released": ["<hold id>", ...], "refused": ["<file name>", ...]}

A new hold, a release and a refused file (its signature does not hold, or its signer may
not place holds: it is ignored) are each audited once. A hold verified before stays in
force until a valid signed release is seen: if its file vanishes from the store (or
is replaced by one that does not verify), it is kept, the rep is warned and that is
audited once (`"missing": ["<hold id>", ...]`).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from companion.core.access.holds import OrgHold, check_hold, check_release
from companion.core.access.rules import AccessRefused
from companion.core.policy.model import Policy
from companion.edges.store import audit
from companion.edges.sync.org_store import MAX_DOCUMENT_BYTES, OrgStore
from companion.edges.sync.targets import TooLarge

BOOK = "org-holds.json"
FOLDER = "holds"
HOLD_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}\.json$")


def org_holds(data_dir: Path) -> list[OrgHold]:
    """The organisation's holds standing at the last sync."""
    return [_hold(h) for h in _book(data_dir)["active"]]


def missing_holds(data_dir: Path) -> list[str]:
    """Holds kept in force although their file is gone from the store."""
    return [str(h) for h in _book(data_dir).get("missing", [])]


def _hold(entry: dict[str, Any]) -> OrgHold:
    return OrgHold(**(entry | {k: tuple(entry[k]) for k in ("calls", "accounts", "reps")}))


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
        self.before_active = [_hold(h) for h in before["active"]]
        self.missing_before = set(before.get("missing", []))
        self.released_before = set(before["released"])
        self.refused_before = set(before.get("refused", []))
        self.refused: set[str] = set()

    def refuse(self, session: Session, name: str, error: AccessRefused) -> None:
        self.refused.add(name)
        if name not in self.refused_before:
            audit.append(session, "legal_hold.refused", self.rep, {"file": name, "why": str(error)})

    def get(self, name: str) -> bytes:
        try:
            return self.store.get(f"{FOLDER}/{name}", MAX_DOCUMENT_BYTES) or b""
        except TooLarge:
            return b""  # refused as unreadable: a hold is a few KB

    def read(self, session: Session, name: str) -> OrgHold | None:
        try:
            return check_hold(self.get(name), self.policy.access)
        except AccessRefused as error:
            self.refuse(session, name, error)
            return None

    def release_reason(self, session: Session, hold: OrgHold, names: set[str]) -> str | None:
        name = f"{hold.id}.release.json"
        if name not in names:
            return None
        try:
            return check_release(self.get(name), self.policy.access, hold.id)
        except AccessRefused as error:
            self.refuse(session, name, error)
            return None


def _released(
    session: Session, look: _Pass, hold: OrgHold, names: set[str], released: set[str]
) -> str | None:
    """The reason of a valid signed release of `hold`, audited once; None if none."""
    reason = look.release_reason(session, hold, names)
    if reason is None:
        return None
    released.add(hold.id)
    if hold.id not in look.released_before:
        payload = {"hold": hold.id, "reason": reason}
        audit.append(session, "legal_hold.released", hold.approver, payload)
    return reason


def sync_holds(
    store: OrgStore, policy: Policy, rep: str, data_dir: Path, db: sessionmaker[Session]
) -> list[OrgHold]:
    """Read holds and releases from the store; keep and audit what changed."""
    names = set(store.names(FOLDER))
    look = _Pass(store, policy, rep, _book(data_dir))
    active: list[OrgHold] = []
    released: set[str] = set()
    missing: set[str] = set()
    with db.begin() as session:
        kept: set[str] = set()
        for name in sorted(n for n in names if HOLD_NAME.match(n) and ".release." not in n):
            hold = look.read(session, name)
            if hold is None or hold.id in kept:
                continue
            if _released(session, look, hold, names, released) is None:
                active.append(hold)
                kept.add(hold.id)
                if hold.id not in look.known:
                    audit.append(session, "legal_hold.placed", hold.approver, asdict(hold))
        # A hold seen before and never validly released stays, whatever the store lost.
        present = kept | released
        for hold in look.before_active:
            if hold.id in present or _released(session, look, hold, names, released):
                continue
            active.append(hold)
            missing.add(hold.id)
            if hold.id not in look.missing_before:
                payload = {"hold": hold.id, "matter": hold.matter}
                audit.append(session, "legal_hold.missing", rep, payload)
    data = {
        "active": [asdict(h) for h in active],
        "released": sorted(released | look.released_before),
        "refused": sorted(look.refused),
        "missing": sorted(missing),
    }
    partial = data_dir / (BOOK + ".partial")
    partial.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    partial.replace(data_dir / BOOK)
    return active
