"""Evidence export from the service: a chain-of-custody bundle of one call, checkable
offline (`companion desk verify`).

A bundle is a set of files (the API sends them as base64 in JSON; the command line writes
them into a folder):

- `package/`: the call's package exactly as stored (`index.json` and the `.age` files,
  still encrypted to the organisation; `rewrap.json` where the files were re-wrapped
  after a key rotation, see `desk.edges.rewrap`).
- `receipts/<seq:08d>.json`: every access receipt about the call (signed by the desk
  service, see `core.access.receipts`), the export's own included.
- `policy/policy.toml` (and `policy.toml.sig` where signed): the policy whose
  `[access.service]` key verifies the receipts and the bundle.
- `bundle.json`: a signed document (signer `desk-service`) whose body is
  `{"kind": "bundle", "call": "call-<id>", "rep": ..., "exported_by": ..., "exported_at":
  ..., "files": {"<path in the bundle>": "<SHA-256>"}}` for every other file.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from sqlalchemy import select

from companion.core.access import signed
from companion.core.access.receipts import SERVICE_SIGNER
from companion.core.errors import UserFacingError
from companion.desk.app.reads import Opening, ReviewerSession
from companion.desk.edges.models import ReceiptRow
from companion.desk.edges.rewrap import RECORD
from companion.edges.policy.signing import signature_path
from companion.edges.sync.package import INDEX, sha256_hex

BUNDLE = "bundle.json"


def export_bundle(session: ReviewerSession, call: str, opening: Opening) -> dict[str, bytes]:
    service = session.service
    row = session.admitted_export(call, opening)  # the bundle's own receipt goes in it
    files: dict[str, bytes] = {}
    for name in (*json.loads(row.files), INDEX):
        data = service.store.get(f"{row.package_id}/{name}")
        if data is None:
            raise UserFacingError(f"{row.package_id}/{name} is missing from the store.")
        files[f"package/{name}"] = data
    record = service.store.get(f"{row.package_id}/{RECORD}")
    if record is not None:  # re-wrapped after a key rotation: the new checksums, signed
        files[f"package/{RECORD}"] = record
    with service.db() as db:
        receipts = db.execute(
            select(ReceiptRow.seq, ReceiptRow.document).where(
                ReceiptRow.rep == row.rep, ReceiptRow.call == row.package_id
            )
        ).all()
    for seq, document in receipts:
        files[f"receipts/{seq:08d}.json"] = document.encode()
    if service.policy_path is not None:
        files["policy/policy.toml"] = service.policy_path.read_bytes()
        sig = signature_path(service.policy_path)
        if sig.exists():
            files["policy/policy.toml.sig"] = sig.read_bytes()
    body: dict[str, Any] = {
        "kind": "bundle",
        "call": row.package_id,
        "rep": row.rep,
        "exported_by": session.reviewer,
        "exported_at": service.clock().isoformat(),
        "files": {name: sha256_hex(data) for name, data in sorted(files.items())},
    }
    bundle = signed.sign(body, SERVICE_SIGNER, service.custodian.signing_key)
    files[BUNDLE] = signed.canonical(bundle)
    return files


def export_json(session: ReviewerSession, call: str, opening: Opening) -> dict[str, Any]:
    files = export_bundle(session, call, opening)
    return {"files": {name: base64.b64encode(data).decode() for name, data in files.items()}}
