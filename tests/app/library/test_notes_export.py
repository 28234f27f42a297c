"""Exports for the rep's own use: Markdown and JSON round-trip, WebVTT chapters, library CSV,
and `companion export CALL --format md|json|vtt`."""

from __future__ import annotations

import csv
import html
import io
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
import webvtt

from companion.app.calls.service import CallRequest
from companion.app.library.notes_export import (
    CSV_COLUMNS,
    ExportedMoment,
    call_json,
    call_markdown,
    library_csv,
    load_call_notes,
    moments_webvtt,
    parse_call_json,
    parse_call_markdown,
)
from companion.app.library.search import LibraryQuery, search_calls
from companion.app.review.service import ReviewService
from companion.core.webvtt import vtt_time
from companion.edges.store import audit

NOTES = [
    ("pain_point", "Preis zu hoch 😬 — שלום — مرحبا — 价格太高了"),
    (None, "<b>x</b> & <i>y</i> --> arrow\n\nblank line above"),
    ("objection", "'); DROP TABLE calls; --"),
    ("competitor_mention", "```fenced``` and ```` four\n### 0:00:00.000 · fake heading\n## CRM"),
    ("discovery", ""),
    (None, "long " * 20_500),  # ~100 KB
]


class SteppingClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=3)
        return self.now


@pytest.fixture
def context(make_context):
    ctx = make_context(clock=SteppingClock())
    return ctx


@pytest.fixture
def call_id(context):
    session = context.calls.start_call(CallRequest("Acme «GmbH» & Co", "discovery", "DE", "en"))
    context.calls.mark_decline("en")
    for tag, note in NOTES:
        context.calls.mark_moment(tag, note)
    context.calls.end_call()
    call = session.details.call_id
    review = ReviewService(context.store, context.active_policy, context.rep)
    review.moments.add_moment(call, 999_000, "AI summary: wants a pilot", "discovery", draft=True)
    review.crm.set_crm_field(call, "next_steps", "Pilot <in> Q3 ```")
    review.crm.set_human_nuance(call, "Nervous CFO 🙂\r\nsecond line")
    return call


@pytest.fixture
def notes(context, call_id):
    return load_call_notes(context.store, call_id, context.active_policy().policy)


def expected_moments(notes):
    return [(m.offset_ms, m.tag_label, m.note, m.draft) for m in notes.moments]


def test_markdown_round_trips_the_moments_verbatim(notes):
    markdown = call_markdown(notes)
    assert "Acme «GmbH» & Co" in markdown and "Consent outcome: declined" in markdown
    assert "*Draft: automatic text" in markdown
    parsed = parse_call_markdown(markdown)
    assert [(m.offset_ms, m.tag_label, m.note, m.draft) for m in parsed] == expected_moments(notes)
    assert len(parsed) == len(NOTES) + 1
    assert "Pilot <in> Q3 ```" in markdown and "Nervous CFO 🙂\r\nsecond line" in markdown


def test_json_round_trips_everything(notes):
    document = call_json(notes)
    assert json.loads(document)["format"] == "rep-companion.call-notes"
    assert parse_call_json(document) == notes
    assert notes.moments[0].tag == "pain_point" and notes.moments[-1].draft is True
    assert {f.key: f.text for f in notes.crm_fields}["next_steps"] == "Pilot <in> Q3 ```"
    assert notes.human_nuance == "Nervous CFO 🙂\r\nsecond line"
    with pytest.raises(ValueError, match="not a rep-companion"):
        parse_call_json(json.dumps({"format": "other"}))


def test_webvtt_chapters_parse_with_one_cue_per_moment(notes):
    vtt = moments_webvtt(notes.moments)
    captions = list(webvtt.from_buffer(io.StringIO(vtt)))
    assert len(captions) == len(notes.moments)
    offsets = [m.offset_ms for m in notes.moments]
    for index, (caption, moment) in enumerate(zip(captions, notes.moments, strict=True)):
        assert round(caption.start_in_seconds * 1000) // 1000 == moment.offset_ms // 1000
        end = offsets[index + 1] if index + 1 < len(offsets) else moment.offset_ms + 10_000
        assert caption.end == vtt_time(end)
        label = moment.tag_label or "(no tag)"
        assert caption.text.startswith(label.replace("&", "&amp;"))
        assert "-->" not in caption.text and "<" not in caption.text
        if moment.note.strip():
            lines = [line for line in moment.note.split("\n") if line.strip()]
            suffix = " (draft)" if moment.draft else ""
            assert html.unescape(caption.text) == f"{label}{suffix}: " + "\n".join(lines)
    assert "&lt;b&gt;x&lt;/b&gt; &amp; &lt;i&gt;y&lt;/i&gt; --&gt; arrow\nblank line above" in vtt


def test_webvtt_cues_at_the_same_offset_still_have_a_positive_length():
    moments = [ExportedMoment(5000, None, "A", "a"), ExportedMoment(5000, None, "B", "b")]
    captions = list(webvtt.from_buffer(io.StringIO(moments_webvtt(moments))))
    assert [(c.start, c.end) for c in captions] == [
        ("00:00:05.000", "00:00:15.000"),
        ("00:00:05.000", "00:00:15.000"),
    ]
    assert moments_webvtt([]).startswith("WEBVTT")


def test_library_csv_has_a_fixed_header_and_reads_back(context, call_id):
    policy = context.active_policy().policy
    context.calls.start_call(CallRequest("=1+1 '); DROP TABLE calls; --", "legal", "DE"))
    context.calls.end_call()
    rows = search_calls(context.store, LibraryQuery(), policy)
    out = io.StringIO(newline="")
    assert library_csv(rows, out) == 2
    back = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert tuple(back[0]) == CSV_COLUMNS
    by_id = {line[0]: dict(zip(CSV_COLUMNS, line, strict=True)) for line in back[1:]}
    ours = by_id[call_id]
    assert ours["account"] == "Acme «GmbH» & Co"
    assert ours["tags"] == "Pain point; Objection; Competitor mention; Discovery"
    assert ours["sync_state"] == "local" and ours["ready_to_sync"] == "no"
    assert ours["delete_on"] == ""  # a declined call keeps no audio: nothing to delete
    assert datetime.fromisoformat(ours["started_at"]).tzinfo is not None
    assert {line["account"] for line in by_id.values()} == {
        "Acme «GmbH» & Co",
        "=1+1 '); DROP TABLE calls; --",
    }


def companion(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "companion", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


def test_cli_exports_notes_to_a_file_or_stdout_and_audits_it(context, call_id, notes, tmp_path):
    out = tmp_path / "notes.json"
    done = companion("export", call_id[:8], "--format", "json", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert parse_call_json(out.read_text(encoding="utf-8")) == notes

    done = companion("export", call_id, "--format", "md")
    assert done.returncode == 0, done.stderr
    parsed = parse_call_markdown(done.stdout)
    assert [(m.offset_ms, m.tag_label, m.note, m.draft) for m in parsed] == expected_moments(notes)

    vtt = tmp_path / "chapters.vtt"
    assert companion("export", call_id, "--format", "vtt", "--out", str(vtt)).returncode == 0
    assert len(webvtt.read(str(vtt))) == len(notes.moments)

    with context.store() as db:
        exported = [e for e in audit.entries(db) if e["kind"] == "notes.exported"]
        assert audit.verify(db) == []
    assert [e["payload"]["format"] for e in exported] == ["json", "md", "vtt"]
    assert exported[0]["payload"]["to"] == str(out) and exported[1]["payload"]["to"] == "-"
    assert all(e["call_id"] == call_id for e in exported)


def test_cli_wants_exactly_one_of_audio_and_format(call_id, tmp_path):
    neither = companion("export", call_id)
    assert neither.returncode == 2 and "one of the arguments --audio --format" in neither.stderr
    both = companion("export", call_id, "--audio", str(tmp_path / "a.opus"), "--format", "md")
    assert both.returncode == 2 and "not allowed with" in both.stderr
    bad = companion("export", call_id, "--format", "pdf")
    assert bad.returncode == 2 and "invalid choice" in bad.stderr
    stray = companion("export", call_id, "--audio", str(tmp_path / "a.opus"), "--out", "x")
    assert stray.returncode == 2 and "--out goes with --format" in stray.stderr
    missing = companion("export", "zzzz", "--format", "md")
    assert missing.returncode == 1 and "no call with an id starting 'zzzz'" in missing.stderr


def test_call_references_match_literally_and_say_what_is_wrong_in_one_line(context, call_id):
    # A second call whose id shares a first character with another: an ambiguous prefix.
    ids = [call_id]
    while len({i[0] for i in ids}) == len(ids):  # at most 17 calls (16 hex digits)
        session = context.calls.start_call(CallRequest("Globex", "discovery", "DE", "en"))
        context.calls.mark_decline("en")
        context.calls.end_call()
        ids.append(session.details.call_id)
    shared = next(i[0] for i in ids if sum(j[0] == i[0] for j in ids) > 1)
    for ref, words in (
        ("%", "'%' is not a call id"),
        ("_", "'_' is not a call id"),
        ("\\", "is not a call id"),
        (call_id[:4] + "%", "is not a call id"),
        ("", "an empty reference is not a call id"),
        (shared, f"calls have an id starting '{shared}'"),
        ("0000dead", "no call with an id starting '0000dead'"),
    ):
        done = companion("export", ref, "--format", "md")
        assert done.returncode == 1, (ref, done.stdout)
        assert done.stdout == ""
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and words in lines[0], (ref, done.stderr)
    ambiguous = companion("export", shared, "--format", "md").stderr
    assert "give more characters" in ambiguous and "Globex" in ambiguous
    unique = companion("export", call_id[:8], "--format", "md")
    assert unique.returncode == 0 and "Acme «GmbH» & Co" in unique.stdout
