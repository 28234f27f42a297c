"""The rep's side of access receipts: an own age identity, and who opened which call.

At its first sync with an organisation that has reviewers, the companion makes the rep's
age identity (kept in the keyring as `rep-age-identity`) and publishes its recipient
to `reps/<rep>/recipient.txt`, so receipts about the rep's calls are readable by the rep.
Each sync then fetches the rep's receipts, verifies signature and chain
(`core.access.receipts`), keeps what it verified in `<data>/access-receipts.json` and
audits each new receipt and each new warning.

`access-receipts.json`: {"seen": {"<seq>": "<hash>"}, "receipts": [Receipt fields, `at`
as ISO text], "warnings": ["Receipt 2 is missing ...", ...], "waiting": [1, 2]} (`waiting`:
receipts written before the rep's key reached the organisation, not a warning).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from companion.core.access.receipts import ChainReport, Receipt, verify_chain
from companion.core.policy.model import Policy
from companion.edges.secrets import SecretStore
from companion.edges.store import audit
from companion.edges.sync.org_store import OrgStore, read_receipts

REP_IDENTITY = "rep-age-identity"
BOOK = "access-receipts.json"


def rep_identity(secrets: SecretStore) -> Any:
    """The rep's age identity (pyrage), made and kept in the keyring on first use."""
    import pyrage

    stored = secrets.get(REP_IDENTITY)
    if stored:
        return pyrage.x25519.Identity.from_str(stored)
    identity = pyrage.x25519.Identity.generate()
    secrets.set(REP_IDENTITY, str(identity))
    return identity


def publish_recipient(store: OrgStore, identity: Any, rep: str) -> None:
    from companion.edges.sync.targets import TooLarge

    key, recipient = f"reps/{rep}/recipient.txt", str(identity.to_public())
    try:
        published = store.get(key, 1024) or b""
    except TooLarge:  # not what this companion wrote: put it right
        published = b""
    if published.decode("ascii", "replace").strip() != recipient:
        store.put(key, (recipient + "\n").encode("ascii"))


@dataclass
class ReceiptBook:
    """What the rep's companion verified so far, per rep profile."""

    seen: dict[int, str]
    receipts: list[Receipt]
    warnings: list[str]
    waiting: list[int] = field(default_factory=list)  # only the organisation can read these

    @classmethod
    def load(cls, path: Path) -> ReceiptBook:
        try:
            data = json.loads(path.read_bytes())
        except (FileNotFoundError, ValueError):
            return cls({}, [], [])
        receipts = [
            Receipt(**(r | {"at": datetime.fromisoformat(r["at"])})) for r in data["receipts"]
        ]
        seen = {int(k): v for k, v in data["seen"].items()}
        return cls(seen, receipts, data["warnings"], list(data.get("waiting", [])))

    def save(self, path: Path) -> None:
        data = {
            "seen": {str(k): v for k, v in sorted(self.seen.items())},
            "receipts": [asdict(r) | {"at": r.at.isoformat()} for r in self.receipts],
            "warnings": self.warnings,
            "waiting": self.waiting,
        }
        partial = path.with_name(path.name + ".partial")
        partial.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
        partial.replace(path)

    def for_call(self, call_id: str) -> list[Receipt]:
        return [r for r in self.receipts if r.call == f"call-{call_id}"]


def fetch_receipts(
    store: OrgStore,
    identity: Any,
    policy: Policy,
    rep: str,
    book_path: Path,
    db: sessionmaker[Session],
) -> ChainReport:
    """Fetch, verify and keep the rep's receipts; audit what is new since the last sync."""
    book = ReceiptBook.load(book_path)
    report = verify_chain(read_receipts(store, identity, rep), policy.access, rep, book.seen)
    known = {r.seq for r in book.receipts}
    warned = set(book.warnings)  # a set: a long list of warnings is no quadratic walk
    with db.begin() as session:
        for receipt in report.receipts:
            if receipt.seq not in known:
                payload = {
                    "seq": receipt.seq,
                    "action": receipt.action,
                    "purpose": receipt.purpose,
                    "reason": receipt.reason,
                    "approval": receipt.approval,
                    "shown": receipt.describe(),
                }
                call_id = receipt.call.removeprefix("call-")
                audit.append(session, "access.receipt", receipt.reviewer, payload, call_id)
        for warning in report.warnings:
            if warning not in warned:
                audit.append(session, "access.receipts_warning", rep, {"warning": warning})
    seen = book.seen | {r.seq: r.hash for r in report.receipts}
    verified = {r.seq: r for r in book.receipts} | {r.seq: r for r in report.receipts}
    ordered = sorted(verified.values(), key=lambda r: r.seq)
    ReceiptBook(seen, ordered, report.warnings, report.waiting).save(book_path)
    return report
