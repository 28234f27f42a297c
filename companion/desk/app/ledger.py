"""Receipt first: the rep's next access receipt, signed by the service and chained, is
committed to the desk's database and written to the store before anything is decrypted.

One transaction per receipt: lock the rep's chain head (a row lock on PostgreSQL, the
write lock on SQLite), number and sign the receipt, write it to the store (`put_new`:
never over another; Object Lock on S3), insert it, move the head, commit. If the store or
the database refuses, the transaction rolls back and the read fails: no receipt, no bytes.

The row is inserted (and flushed) before the store write, so a database that refuses it
stops the read before the store is touched. A service killed between the store write
and the commit leaves a receipt in the store the database does not know. The next writer
finds that number taken, rolls back, checks the stored receipt is the service's own and
follows the same head, and adopts it (a receipt of a
read that served nothing, which over-reports, never under-reports), then goes on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from companion.core.access import signed
from companion.core.access.receipts import GENESIS, SERVICE_SIGNER, service_receipt_body
from companion.core.errors import UserFacingError
from companion.core.policy.model import Policy
from companion.desk.edges.custodian import Custodian
from companion.desk.edges.database import first_line, insert_ignoring
from companion.desk.edges.models import ChainHead, ReceiptRow, RepRow
from companion.edges.sync.org_store import OrgStore, receipt_key
from companion.edges.sync.package import encrypt_for

ATTEMPTS = 5


class ReceiptNotWritten(UserFacingError):
    """The access receipt could not be committed, so nothing was read."""


class _Taken(Exception):
    """The store holds a receipt of that number already: a writer died before its commit."""

    def __init__(self, seq: int, prev: str, org_only: bool) -> None:
        super().__init__(seq)
        self.seq, self.prev, self.org_only = seq, prev, org_only


def _lock_head(session: Session, rep: str) -> tuple[int, str]:
    session.execute(insert_ignoring(session, ChainHead).values(rep=rep, seq=0, hash=GENESIS))
    head = session.execute(
        select(ChainHead.seq, ChainHead.hash).where(ChainHead.rep == rep).with_for_update()
    ).one()
    return int(head.seq), str(head.hash)


@dataclass
class Ledger:
    db: sessionmaker[Session]
    store: OrgStore
    custodian: Custodian
    policy: Policy

    def recipients(self, rep_recipient: str | None) -> list[str]:
        mine = self.custodian.recipient
        found = list(self.policy.sync.recipients)
        if mine not in found:
            found.append(mine)
        return found + ([rep_recipient] if rep_recipient else [])

    def keep_until(self, at: datetime) -> datetime:
        days = max((r.organisation_days for r in self.policy.retention.values()), default=365)
        return at + timedelta(days=days)

    def commit(self, rep: str, at: datetime, **what: Any) -> dict[str, Any]:
        """Sign, store and commit the rep's next receipt; the signed document.

        `what`: actor, actor_name, role, role_kind and the receipt's own fields
        (purpose, reason, approval, action, call, parts)."""
        try:
            for _attempt in range(ATTEMPTS):
                try:
                    with self.db.begin() as session:
                        return self._next(session, rep, at, what)
                except _Taken as taken:
                    with self.db.begin() as session:
                        if _lock_head(session, rep) == (taken.seq - 1, taken.prev):
                            self._adopt(session, rep, taken.seq, taken.prev, taken.org_only)
        except SQLAlchemyError as error:
            raise ReceiptNotWritten(
                f"The access receipt could not be saved in the desk's database "
                f"({first_line(error)}), so nothing was read.",
                "Ask the desk's administrator to check the database; then try again.",
            ) from error
        raise ReceiptNotWritten("The access receipt could not be written: the chain kept moving.")

    def _next(
        self, session: Session, rep: str, at: datetime, what: dict[str, Any]
    ) -> dict[str, Any]:
        seq, prev = _lock_head(session, rep)
        recipient = session.execute(select(RepRow.recipient).where(RepRow.rep == rep)).scalar()
        fields = dict(what)
        body = service_receipt_body(
            rep=rep,
            seq=seq + 1,
            prev=prev,
            actor=fields.pop("actor"),
            actor_name=fields.pop("actor_name"),
            role=fields.pop("role"),
            role_kind=fields.pop("role_kind"),
            at=at.isoformat(),
            **fields,
        )
        document = signed.sign(body, SERVICE_SIGNER, self.custodian.signing_key)
        self._insert(session, document, recipient is not None)
        session.flush()  # the database's refusals come now, before the store is written
        sealed = encrypt_for(signed.canonical(document), self.recipients(recipient))
        key = receipt_key(rep, seq + 1, org_only=recipient is None)
        try:
            stored = self.store.put_new(key, sealed, self.keep_until(at))
        except Exception as error:  # OSError, botocore's: the store refused the receipt
            raise ReceiptNotWritten(
                f"The access receipt could not be written to the organisation's store "
                f"({type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}),"
                " so nothing was read.",
                "Ask the desk's administrator to check the store; then try again.",
            ) from error
        if not stored:
            raise _Taken(seq + 1, prev, recipient is None)  # rolls this one back
        return document

    def _insert(self, session: Session, document: dict[str, Any], for_rep: bool) -> None:
        body = document["body"]
        digest = signed.document_hash(document)
        session.add(
            ReceiptRow(
                rep=body["rep"],
                seq=body["seq"],
                hash=digest,
                prev=body["prev"],
                call=body.get("call"),
                action=body["action"],
                actor=body["reviewer"],
                document=signed.canonical(document).decode(),
                sealed_for_rep=for_rep,
                at=datetime.fromisoformat(body["at"]),
            )
        )
        session.execute(
            update(ChainHead)
            .where(ChainHead.rep == body["rep"])
            .values(seq=body["seq"], hash=digest)
        )

    def _adopt(self, session: Session, rep: str, seq: int, prev: str, org_only: bool) -> None:
        raw = self.store.get(receipt_key(rep, seq, org_only=org_only)) or self.store.get(
            receipt_key(rep, seq, org_only=not org_only)
        )
        try:
            document = signed.parse(self.custodian.decrypt(raw or b""), "receipt")
            if document["signer"] != SERVICE_SIGNER:
                raise signed.SignedDocumentError("not the service's receipt")
            signed.verify(document, self.custodian.public_key, "receipt")
        except Exception as error:  # pyrage's DecryptError, SignedDocumentError
            raise ReceiptNotWritten(
                f"Receipt {seq} of {rep} in the store is not the service's own; the chain "
                "stops here and nothing is read.",
                "Ask the desk's administrator to check the store's receipts.",
            ) from error
        body = document["body"]
        if body.get("seq") != seq or body.get("prev") != prev or body.get("rep") != rep:
            raise ReceiptNotWritten(
                f"Receipt {seq} of {rep} in the store does not follow the chain."
            )
        self._insert(session, document, not org_only)


def receipts_of(db: sessionmaker[Session], rep: str) -> dict[int, dict[str, Any]]:
    """The rep's receipts as the service committed them (number -> signed document)."""
    with db() as session:
        rows = session.execute(
            select(ReceiptRow.seq, ReceiptRow.document).where(ReceiptRow.rep == rep)
        ).all()
    return {int(seq): json.loads(doc) for seq, doc in rows}
