"""A call's notes and moments for the rep's own use: Markdown, JSON, WebVTT; the library as CSV.

Text goes out verbatim. In Markdown every note sits in a code fence longer than any run
of backticks inside it, so markup in a note is shown, never rendered, and
`parse_call_markdown` gets the moments back exactly. JSON round-trips through
`parse_call_json`. WebVTT chapters escape `&`, `<` and `>` (which also breaks any
`-->`) and drop blank lines, which would end a cue early.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy.orm import Session, sessionmaker

from companion.app.calls.audio_export import ExportError, find_call
from companion.app.library.search import LibraryRow
from companion.app.review.crm import crm_field_views
from companion.app.review.moments import moment_view
from companion.core.policy.model import Policy
from companion.core.webvtt import vtt_time
from companion.edges.store import audit
from companion.edges.store.models import CallReviewRecord

FORMAT = "rep-companion.call-notes"
FORMAT_VERSION = 1
CHAPTER_SECONDS_AFTER_LAST = 10
FORMATS = ("md", "json", "vtt")
CSV_COLUMNS = (
    "call_id",
    "started_at",
    "account",
    "call_type",
    "outcome",
    "outcome_reason",
    "tags",
    "sync_state",
    "ready_to_sync",
    "delete_on",
)


@dataclass(frozen=True)
class ExportedMoment:
    offset_ms: int
    tag: str | None
    tag_label: str | None
    note: str
    draft: bool = False


@dataclass(frozen=True)
class ExportedCrmField:
    key: str
    label: str
    required: bool
    text: str
    draft: bool = False


@dataclass(frozen=True)
class CallNotes:
    call_id: str
    account: str
    call_type: str
    started_at: datetime  # UTC
    ended_at: datetime | None
    outcome: str
    outcome_reason: str
    policy_version: str
    moments: list[ExportedMoment]
    crm_fields: list[ExportedCrmField]
    human_nuance: str


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def load_call_notes(
    store: sessionmaker[Session], call_ref: str, policy: Policy | None
) -> CallNotes:
    """A call (by id or unambiguous id prefix) with its moments, CRM text and nuance."""
    with store() as db:
        call = find_call(db, call_ref)
        review = db.query(CallReviewRecord).filter_by(call_id=call.id).one_or_none()
        moments = [moment_view(m, policy) for m in call.moments]
        fields = crm_field_views(list(call.crm_notes), policy)
        started = _utc(call.started_at)
        assert started is not None
        return CallNotes(
            call.id,
            call.account,
            call.call_type,
            started,
            _utc(call.ended_at),
            call.outcome,
            call.outcome_reason,
            call.policy_version,
            [ExportedMoment(m.offset_ms, m.tag, m.tag_label, m.note, m.draft) for m in moments],
            [ExportedCrmField(f.key, f.label, f.required, f.text, f.draft) for f in fields],
            review.human_nuance if review else "",
        )


# -- timestamps ------------------------------------------------------------------------
def _parse_clock(stamp: str) -> int:
    hours, minutes, rest = stamp.split(":")
    seconds, ms = rest.split(".")
    return ((int(hours) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + int(ms)


# -- Markdown --------------------------------------------------------------------------
NO_TAG = "(no tag)"
DRAFT_LINE = "*Draft: automatic text, not yet confirmed by the rep.*"
_HEADING = re.compile(r"^### (\d+:\d\d:\d\d\.\d{3}) · (.*)$")


def _fenced(text: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def call_markdown(notes: CallNotes) -> str:
    started = notes.started_at.strftime("%Y-%m-%d %H:%M UTC")
    reason = f" ({notes.outcome_reason})" if notes.outcome_reason else ""
    lines = [
        f"# Call notes: {notes.account}",
        "",
        f"- Date: {started}",
        f"- Call type: {notes.call_type}",
        f"- Consent outcome: {notes.outcome}{reason}",
        f"- Policy version: {notes.policy_version}",
        f"- Call id: {notes.call_id}",
        "",
        "## Moments",
        "",
    ]
    if not notes.moments:
        lines += ["No moments were marked.", ""]
    for moment in notes.moments:
        lines.append(f"### {vtt_time(moment.offset_ms)} · {moment.tag_label or NO_TAG}")
        lines.append("")
        if moment.draft:
            lines += [DRAFT_LINE, ""]
        lines += [_fenced(moment.note), ""]
    lines += ["## CRM fields", ""]
    for field in notes.crm_fields:
        marks = [m for m, on in (("required", field.required), ("draft", field.draft)) if on]
        suffix = f" ({', '.join(marks)})" if marks else ""
        lines += [f"### {field.label}{suffix}", "", _fenced(field.text), ""]
    lines += ["## Human nuance", "", _fenced(notes.human_nuance), ""]
    return "\n".join(lines)


def parse_call_markdown(markdown: str) -> list[ExportedMoment]:
    """The moments back from `call_markdown` (offset, tag label, note, draft; no tag key)."""
    lines = markdown.split("\n")
    moments: list[ExportedMoment] = []
    index, in_moments = 0, False
    while index < len(lines):
        line = lines[index]
        if line.startswith("## "):
            in_moments = line == "## Moments"
        heading = _HEADING.match(line) if in_moments else None
        if heading is None:
            index += 1
            continue
        offset, label = _parse_clock(heading.group(1)), heading.group(2)
        draft = False
        index += 1
        while not lines[index].startswith("```"):
            draft = draft or lines[index] == DRAFT_LINE
            index += 1
        fence = lines[index][: len(lines[index]) - len(lines[index].lstrip("`"))]
        end = lines.index(fence, index + 1)
        note = "\n".join(lines[index + 1 : end])
        moments.append(
            ExportedMoment(offset, None, None if label == NO_TAG else label, note, draft)
        )
        index = end + 1
    return moments


# -- JSON ------------------------------------------------------------------------------
def call_json(notes: CallNotes) -> str:
    data: dict[str, Any] = {"format": FORMAT, "version": FORMAT_VERSION} | asdict(notes)
    data["started_at"] = notes.started_at.isoformat()
    data["ended_at"] = notes.ended_at.isoformat() if notes.ended_at else None
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def parse_call_json(document: str) -> CallNotes:
    data = json.loads(document)
    if data.get("format") != FORMAT or data.get("version") != FORMAT_VERSION:
        raise ValueError(f"not a {FORMAT} version {FORMAT_VERSION} document")
    return CallNotes(
        data["call_id"],
        data["account"],
        data["call_type"],
        datetime.fromisoformat(data["started_at"]),
        datetime.fromisoformat(data["ended_at"]) if data["ended_at"] else None,
        data["outcome"],
        data["outcome_reason"],
        data["policy_version"],
        [ExportedMoment(**m) for m in data["moments"]],
        [ExportedCrmField(**f) for f in data["crm_fields"]],
        data["human_nuance"],
    )


# -- WebVTT chapters -------------------------------------------------------------------
def _vtt_text(text: str) -> str:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    lines = escaped.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line for line in lines if line.strip())


def moments_webvtt(moments: Iterable[ExportedMoment]) -> str:
    """One chapter cue per moment, until the next moment (or 10 s after the last)."""
    ordered = sorted(moments, key=lambda m: m.offset_ms)
    out = ["WEBVTT - chapters", ""]
    for number, moment in enumerate(ordered, start=1):
        start = moment.offset_ms
        later = [m.offset_ms for m in ordered[number:] if m.offset_ms > start]
        end = later[0] if later else start + CHAPTER_SECONDS_AFTER_LAST * 1000
        title = moment.tag_label or NO_TAG
        if moment.draft:
            title += " (draft)"
        body = _vtt_text(f"{title}: {moment.note}" if moment.note.strip() else title)
        out += [str(number), f"{vtt_time(start)} --> {vtt_time(end)}", body, ""]
    return "\n".join(out)


# -- the library as CSV ----------------------------------------------------------------
def library_csv(rows: Iterable[LibraryRow], out: TextIO) -> int:
    """Write `CSV_COLUMNS` then one line per call; tags are joined with "; "."""
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    count = 0
    for row in rows:
        writer.writerow(
            (
                row.call_id,
                row.started_at.replace(tzinfo=row.started_at.tzinfo or UTC).isoformat(),
                row.account,
                row.call_type,
                row.outcome,
                row.outcome_reason,
                "; ".join(row.tags),
                row.sync_state,
                "yes" if row.ready_to_sync else "no",
                row.delete_on.isoformat() if row.delete_on else "",
            )
        )
        count += 1
    return count


# -- one call, audited -----------------------------------------------------------------
def render(notes: CallNotes, fmt: str) -> str:
    if fmt == "md":
        return call_markdown(notes)
    if fmt == "json":
        return call_json(notes)
    if fmt == "vtt":
        return moments_webvtt(notes.moments)
    raise ExportError(f"unknown format '{fmt}' (use one of: {', '.join(FORMATS)})")


def export_notes(
    store: sessionmaker[Session],
    call_ref: str,
    fmt: str,
    out: Path | None,
    actor: str,
    policy: Policy | None,
) -> str:
    """Render a call's notes; write them to `out` if given; audit as "notes.exported"."""
    notes = load_call_notes(store, call_ref, policy)
    document = render(notes, fmt)
    if out is not None:
        out.write_text(document, encoding="utf-8", newline="")
    with store.begin() as db:
        audit.append(
            db,
            "notes.exported",
            actor,
            {"format": fmt, "to": str(out) if out else "-", "moments": len(notes.moments)},
            call_id=notes.call_id,
            at=datetime.now(UTC),
        )
    return document
