"""Writing the next access receipt of a rep's chain into the organisation's store."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from companion.core.access import signed
from companion.core.access.receipts import GENESIS, receipt_body
from companion.core.errors import UserFacingError
from companion.core.policy.model import Policy
from companion.desk.app.keys import DeskKeys
from companion.edges.sync.org_store import (
    OrgStore,
    receipt_key,
    receipt_numbers,
    rep_recipient,
)
from companion.edges.sync.package import encrypt_for

ATTEMPTS = 5  # another desk may take a number between our read and our write


def _previous(store: OrgStore, rep: str, keys: DeskKeys) -> tuple[int, str]:
    import pyrage

    numbers = receipt_numbers(store, rep)
    if not numbers:
        return 0, GENESIS
    raw = store.get(receipt_key(rep, numbers[-1]))
    if raw is None:
        raise UserFacingError(f"Receipt {numbers[-1]} of {rep} vanished while it was read.")
    document = json.loads(pyrage.decrypt(raw, [keys.identity]))
    return numbers[-1], signed.document_hash(document)


def write_receipt(
    store: OrgStore,
    policy: Policy,
    keys: DeskKeys,
    rep: str,
    at: datetime,
    **what: Any,
) -> dict[str, Any]:
    """Sign and store the rep's next receipt; returns the signed document.

    Encrypted to the organisation's recipients and, once the rep published one, the rep's
    own; kept (Object Lock on S3) as long as the longest organisation retention.
    """
    recipients = list(policy.sync.recipients)
    own = rep_recipient(store, rep)
    if own:
        recipients.append(own)
    keep = max(rule.organisation_days for rule in policy.retention.values())
    for _attempt in range(ATTEMPTS):
        seq, prev = _previous(store, rep, keys)
        body = receipt_body(
            rep=rep,
            seq=seq + 1,
            prev=prev,
            reviewer=keys.reviewer,
            rules=policy.access,
            at=at.isoformat(),
            **what,
        )
        document = signed.sign(body, keys.reviewer, keys.signing_key)
        sealed = encrypt_for(signed.canonical(document), recipients)
        if store.put_new(receipt_key(rep, seq + 1), sealed, at + timedelta(days=keep)):
            return document
    raise UserFacingError("Could not write the access receipt: the store kept changing.")
