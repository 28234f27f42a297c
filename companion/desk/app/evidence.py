"""Evidence export: a chain-of-custody bundle of one call, checkable offline.

A bundle is a folder:

- `package/`: the call's package exactly as stored (`index.json` and the `.age` files,
  still encrypted to the organisation).
- `receipts/<seq:08d>.json`: every access receipt about the call (signed documents, see
  `core.access.receipts`), the export's own included.
- `policy/policy.toml` (and `policy.toml.sig` where the desk's policy is signed): the
  policy whose reviewer keys verify the receipts and the bundle.
- `bundle.json`: a signed document (signed by the exporting reviewer) whose body is
  `{"kind": "bundle", "call": "call-<id>", "rep": ..., "exported_by": ..., "exported_at":
  ..., "files": {"<path in the bundle>": "<SHA-256>"}}` for every other file.

The rep's own audit extract for the call is not in it: it lives on the rep's laptop
(`companion audit export`), not in the organisation's store.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from companion.core.access import signed
from companion.core.errors import UserFacingError
from companion.core.policy.access import Part
from companion.desk.app.service import Opening, ReviewDesk
from companion.edges.policy.signing import signature_path
from companion.edges.sync.org_store import read_receipts
from companion.edges.sync.package import INDEX, sha256_hex

BUNDLE = "bundle.json"


def export_bundle(
    desk: ReviewDesk, call: str, opening: Opening, policy_file: Path, out: Path
) -> Path:
    found = desk.find(call)
    parts = [Part.MOMENTS_NOTES] + ([Part.AUDIO] if found.has_audio else [])
    if out.exists() and any(out.iterdir()):
        raise UserFacingError(f"{out} is not empty; export into a new folder.")
    desk.record(found, "export", parts, opening)  # the bundle's own receipt goes in it
    files: dict[str, bytes] = {}
    for name in (*found.files, INDEX):
        data = desk.store.get(f"{found.package_id}/{name}")
        if data is None:
            raise UserFacingError(f"{found.package_id}/{name} is missing from the store.")
        files[f"package/{name}"] = data
    for seq, document in read_receipts(desk.store, desk.keys.identity, found.rep).items():
        if isinstance(document, dict) and document["body"].get("call") == found.package_id:
            files[f"receipts/{seq:08d}.json"] = signed.canonical(document)
    files["policy/policy.toml"] = policy_file.read_bytes()
    sig = signature_path(policy_file)
    if sig.exists():
        files["policy/policy.toml.sig"] = sig.read_bytes()
    body: dict[str, Any] = {
        "kind": "bundle",
        "call": found.package_id,
        "rep": found.rep,
        "exported_by": desk.keys.reviewer,
        "exported_at": desk.clock().isoformat(),
        "files": {name: sha256_hex(data) for name, data in sorted(files.items())},
    }
    files[BUNDLE] = signed.canonical(signed.sign(body, desk.keys.reviewer, desk.keys.signing_key))
    for name, data in files.items():
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return out
