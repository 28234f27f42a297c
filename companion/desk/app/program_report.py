"""The program review (every 6-12 months): the numbers, made by the desk service from its
own index, where ingest kept each call's facts from its signed, decrypted manifest, and
from its receipts. Making the report decrypts nothing: it works without the key.

Aggregates only: no account, note or reason text leaves the index. Each table is a
list of rows under a title; `report_html` draws them as HTML with SVG bar charts and
writes one CSV per table.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class ReportCall:
    """What the report counts of one call: kept at ingest (`report_call`), from the manifest."""

    package_id: str
    rep: str
    call_type: str
    consent: str  # granted, declined, blocked, unclear, ...
    consent_reason: str
    unclear_answers: int  # a consent-ambiguity flag when > 0
    recorded: bool
    retain_until: date | None = None
    held: bool = False  # a standing legal hold covers it


def report_call(package_id: str, manifest: dict[str, Any]) -> ReportCall:
    consent = manifest.get("consent", {})
    retain = manifest.get("retention", {}).get("organisation_until")
    return ReportCall(
        package_id,
        str(manifest.get("rep", "")),
        str(manifest.get("call_type", {}).get("key", "")),
        str(consent.get("status", "")),
        str(consent.get("reason") or ""),
        int(consent.get("unclear_answers", 0) or 0),
        bool(manifest.get("audio", {}).get("included")),
        date.fromisoformat(retain) if retain else None,
    )


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


def _counted(
    key: str, title: str, columns: tuple[str, ...], counts: Counter[tuple[str, ...]]
) -> Table:
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    rows: list[tuple[str | int, ...]] = [(*k, n) for k, n in ordered]
    return Table(key, title, (*columns, "calls" if key != "concerns" else "concerns"), rows)


def _call_tables(calls: list[ReportCall]) -> tuple[list[Table], dict[str, str]]:
    consent: Counter[tuple[str, ...]] = Counter()
    refusals: Counter[tuple[str, ...]] = Counter()
    recordings: Counter[tuple[str, ...]] = Counter()
    ambiguous: Counter[tuple[str, ...]] = Counter()
    for call in calls:
        status, kind = call.consent, call.call_type
        consent[(status,)] += 1
        if call.unclear_answers:  # a consent-ambiguity flag
            ambiguous[(kind, status)] += 1
        if status in ("declined", "blocked", "unclear"):
            refusals[(status, kind, call.consent_reason)] += 1
        recordings[(kind, "recorded" if call.recorded else "not recorded")] += 1
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
        "Calls": str(len(calls)),
    }
    return tables, facts


def _retention(calls: list[ReportCall], today: date) -> tuple[Table, str]:
    past = [
        (c.package_id, c.retain_until.isoformat())
        for c in calls
        if c.retain_until is not None and c.retain_until < today and not c.held
    ]
    table = Table("retention", "Packages kept past their date", ("package", "retain until"))
    table.rows = sorted(past)
    return table, "nothing past its date" if not past else f"{len(past)} past their date"


def _teams(calls: list[ReportCall], teams: dict[str, list[str]]) -> Table:
    counts: Counter[tuple[str, ...]] = Counter()
    for call in calls:
        named = [team for team, reps in teams.items() if call.rep in reps] or ["(no team)"]
        for team in named:
            counts[(team,)] += 1
    return _counted("teams", "Calls by team", ("team",), counts)


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
    organisation: str,
    today: date,
    calls: list[ReportCall],
    concerns: list[str],
    receipts: list[dict[str, Any]],
    teams: dict[str, list[str]],
) -> ProgramReport:
    """`concerns`: each raised concern's category; `receipts`: the bodies of every access
    receipt the service committed; `teams`: the policy's `[access.teams]`."""
    tables, facts = _call_tables(calls)
    retention, adherence = _retention(calls, today)
    facts["Retention adherence"] = adherence
    facts["Access receipts"] = str(len(receipts))
    by_category: Counter[tuple[str, ...]] = Counter((c,) for c in concerns)
    return ProgramReport(
        organisation,
        today,
        [
            *tables,
            _teams(calls, teams),
            retention,
            *_receipt_tables(receipts),
            _counted("concerns", "Concerns by category", ("category",), by_category),
        ],
        facts,
    )
