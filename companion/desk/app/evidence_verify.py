"""`companion desk verify BUNDLE`: every check of an evidence bundle, offline (see `evidence`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from companion.core.access import signed
from companion.core.access.receipts import SERVICE_SIGNER
from companion.core.policy.access import AccessRules
from companion.core.policy.parse import PolicyError, parse_policy
from companion.desk.app.evidence import BUNDLE
from companion.desk.edges.rewrap import RECORD, current_files, parse_record
from companion.edges.sync.package import INDEX, sha256_hex


def _files(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _listed(files: dict[str, bytes], listed: dict[str, str]) -> list[str]:
    problems = [f"{name} is missing" for name in listed if name not in files]
    problems += [
        f"{name} was changed (its SHA-256 differs from the bundle's)"
        for name, digest in listed.items()
        if name in files and sha256_hex(files[name]) != digest
    ]
    problems += [f"{name} is not listed in the bundle" for name in files if name not in listed]
    return problems


def _package(files: dict[str, bytes], call: str, service_key: str | None) -> list[str]:
    try:
        index = json.loads(files.get(f"package/{INDEX}", b""))
    except ValueError:
        return ["package/index.json is not readable"]
    problems = [] if index.get("package_id") == call else ["the package is not the bundle's call"]
    try:  # files re-wrapped after a key rotation: their checksums from the service's record
        record = parse_record(files.get(f"package/{RECORD}"), call, service_key or "")
    except signed.SignedDocumentError as error:
        return [*problems, f"package/{RECORD}: {error}"]
    for name, expected in current_files(index.get("files", {}), record).items():
        data = files.get(f"package/{name}")
        if data is None or sha256_hex(data) != expected["sha256"]:
            problems.append(f"package/{name} does not match the package's index")
    return problems


def _receipts(files: dict[str, bytes], rules: AccessRules, call: str) -> list[str]:
    problems = []
    for name, data in files.items():
        if not name.startswith("receipts/"):
            continue
        try:
            document = signed.parse(data, "receipt")
            key = _key_of(rules, document["signer"])
            if key is None:
                raise signed.SignedDocumentError("signed by someone the policy does not name")
            signed.verify(document, key, "receipt")
        except signed.SignedDocumentError as error:
            problems.append(f"{name}: {error}")
            continue
        if document["body"].get("call") != call:
            problems.append(f"{name} is about another call")
    return problems


def _key_of(rules: AccessRules, signer: str) -> str | None:
    """The desk service's key (the signer of bundles and receipts), or a reviewer's."""
    if signer == SERVICE_SIGNER:
        return rules.service.key if rules.service else None
    reviewer = rules.reviewers.get(signer)
    return reviewer.key if reviewer else None


def _policy_signature(files: dict[str, bytes], organisation_key: Path) -> list[str]:
    from companion.edges.policy.signing import (
        SignatureError,
        load_public_key,
        verify_policy_bytes,
    )

    sig = files.get("policy/policy.toml.sig")
    try:
        verify_policy_bytes(
            files.get("policy/policy.toml", b""),
            sig.decode("ascii", "replace") if sig is not None else None,
            load_public_key(organisation_key),
        )
    except SignatureError as error:
        return [f"policy/policy.toml: {error}"]
    return []


def verify_bundle(root: Path, organisation_key: Path | None = None) -> list[str]:
    """Every problem found; an empty list means the bundle is intact.

    With `organisation_key`, the bundled policy (whose reviewer keys verify the rest) must
    carry the organisation's signature too.
    """
    files = _files(root)
    if organisation_key is not None:
        problems = _policy_signature(files, organisation_key)
        if problems:
            return problems
    try:
        bundle = signed.parse(files.pop(BUNDLE, b""), "bundle")
        rules = parse_policy(files.get("policy/policy.toml", b""), "policy/policy.toml").access
    except (signed.SignedDocumentError, PolicyError) as error:
        return [str(error)]
    body: dict[str, Any] = bundle["body"]
    exporter = _key_of(rules, bundle["signer"])
    if exporter is None:
        return [f"{BUNDLE} is signed by '{bundle['signer']}', whom the policy does not name"]
    try:
        signed.verify(bundle, exporter, "bundle")
    except signed.SignedDocumentError as error:
        return [f"{BUNDLE}: {error}"]
    call = str(body.get("call"))
    return (
        _listed(files, dict(body.get("files", {})))
        + _package(files, call, _key_of(rules, SERVICE_SIGNER))
        + _receipts(files, rules, call)
    )
