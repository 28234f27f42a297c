"""The program review (every 6-12 months): the numbers, made by the desk service (the one
holder of the organisation's key) from the store's manifests and its own receipts.

Aggregates only: no account, note or reason text leaves the manifests. Each table is a
list of rows under a title; `report_html` draws them as HTML with SVG bar charts and
writes one CSV per table.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from companion.edges.sync.org_store import OrgStore
from companion.edges.sync.package import MANIFEST


@dataclass
class Table:
    key: str  # the CSV file's name
    title: str
    columns: tuple[str, ...]
    rows: list[tuple[str | int, ...]] = field(default_factory=list)


@dataclass
class ProgramReport:
    organisation: str
    made_on: date
    tables: list[Table]
    facts: dict[str, str]  # headline numbers: consent rate, past-retention count, ...


def _decrypt_json(store: OrgStore, key: str, identity: Any) -> dict[str, Any] | None:
    import pyrage

    raw = store.get(key)
    if raw is None:
        return None
    try:
        return dict(json.loads(pyrage.decrypt(raw, [identity])))
    except (pyrage.DecryptError, ValueError):
        return None


def _counted(
    key: str, title: str, columns: tuple[str, ...], counts: Counter[tuple[str, ...]]
) -> Table:
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    rows: list[tuple[str | int, ...]] = [(*k, n) for k, n in ordered]
    return Table(key, title, (*columns, "calls" if key != "concerns" else "concerns"), rows)


def _call_tables(manifests: list[dict[str, Any]]) -> tuple[list[Table], dict[str, str]]:
    consent: Counter[tuple[str, ...]] = Counter()
    refusals: Counter[tuple[str, ...]] = Counter()
    recordings: Counter[tuple[str, ...]] = Counter()
    ambiguous: Counter[tuple[str, ...]] = Counter()
    for manifest in manifests:
        status, kind = manifest["consent"]["status"], manifest["call_type"]["key"]
        consent[(status,)] += 1
        if manifest["consent"].get("unclear_answers", 0):  # a consent-ambiguity flag
            ambiguous[(kind, status)] += 1
        if status in ("declined", "blocked", "unclear"):
            refusals[(status, kind, manifest["consent"]["reason"] or "")] += 1
        recordings[(kind, "recorded" if manifest["audio"]["included"] else "not recorded")] += 1
    asked = consent[("granted",)] + consent[("declined",)] + consent[("unclear",)]
    rate = f"{100 * consent[('granted',)] / asked:.0f}%" if asked else "no consent asked"
    flags = sum(ambiguous.values())
    tables = [
        _counted("consent", "Consent outcomes", ("outcome",), consent),
        _counted(
            "declines_blocks", "Declines and blocks", ("outcome", "call type", "reason"), refusals
        ),
        _counted("recordings", "Recordings by call type", ("call type", "audio"), recordings),
        _counted(
            "consent_ambiguity",
            "Consent-ambiguity flags (an answer that was not clear)",
            ("call type", "outcome"),
            ambiguous,
        ),
    ]
    facts = {
        "Consent rate (granted of asked)": rate,
        "Consent-ambiguity flags": str(flags),
        "Calls": str(len(manifests)),
    }
    return tables, facts


def _retention(indexes: list[dict[str, Any]], today: date) -> tuple[Table, str]:
    past = [
        (str(i["package_id"]), str(i["retain_until"]))
        for i in indexes
        if date.fromisoformat(i["retain_until"]) < today and not i.get("legal_hold")
    ]
    table = Table("retention", "Packages kept past their date", ("package", "retain until"))
    table.rows = sorted(past)
    return table, "nothing past its date" if not past else f"{len(past)} past their date"


def _receipt_tables(receipts: list[dict[str, Any]]) -> list[Table]:
    by_purpose: Counter[tuple[str, ...]] = Counter()
    approvals: dict[str, tuple[str, str, set[str]]] = {}
    for body in receipts:
        by_purpose[(body["purpose"], body["role_kind"], body["action"])] += 1
        if body.get("approval"):
            _, _, calls = approvals.setdefault(
                body["approval"], (body["purpose"], body["reviewer"], set())
            )
            calls.add(body["call"])
    table = _counted(
        "receipts", "Access receipts by purpose and role", ("purpose", "role", "action"), by_purpose
    )
    table.columns = (*table.columns[:-1], "receipts")
    approved = Table(
        "approvals",
        "Performance-use approvals used",
        ("approval", "purpose", "reviewer", "calls"),
        [(a, p, r, len(c)) for a, (p, r, c) in sorted(approvals.items())],
    )
    return [table, approved]


def program_report(
    store: OrgStore,
    identity: Any,
    organisation: str,
    receipts: list[dict[str, Any]],
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> ProgramReport:
    """`receipts`: the bodies of every access receipt the service committed."""
    today = clock().date()
    indexes = list(store.package_indexes())
    manifests = [
        m
        for i in indexes
        if (m := _decrypt_json(store, f"{i['package_id']}/{MANIFEST}.age", identity))
    ]
    tables, facts = _call_tables(manifests)
    retention, adherence = _retention(indexes, today)
    facts["Retention adherence"] = adherence
    facts["Access receipts"] = str(len(receipts))
    concerns: Counter[tuple[str, ...]] = Counter()
    for index in store.package_indexes("concern-"):
        concern = _decrypt_json(store, f"{index['package_id']}/concern.json.age", identity)
        if concern is not None:
            concerns[(str(concern["category_label"]),)] += 1
    return ProgramReport(
        organisation,
        today,
        [
            *tables,
            retention,
            *_receipt_tables(receipts),
            _counted("concerns", "Concerns by category", ("category",), concerns),
        ],
        facts,
    )
