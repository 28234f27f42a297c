"""The transcript's plain rules: call time across pauses, digit masking, key phrases,
CRM drafts that cite their sources, and the formats."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from companion.core.transcripts.call_time import call_ms
from companion.core.transcripts.crm_drafts import MarkedMoment, draft_crm
from companion.core.transcripts.formats import as_webvtt, render
from companion.core.transcripts.key_phrases import find_key_phrases
from companion.core.transcripts.model import SpokenWord, Transcript, TranscriptLine
from companion.core.transcripts.redaction import MASK, redact

RATE = 48_000


def line(speaker, start_ms, text, step=400):
    words = tuple(
        SpokenWord(w, start_ms + i * step, start_ms + (i + 1) * step - 50)
        for i, w in enumerate(text.split())
    )
    return TranscriptLine(speaker, start_ms, words[-1].end_ms, words)


def transcript(*lines):
    return Transcript("pocketsphinx", "en-us", "en", tuple(lines))


def test_audio_time_maps_to_call_time_across_a_pause():
    # 60 s recorded from 0, a 25 s pause, then 30 s recorded from 85 s into the call.
    spans = [(0, 60 * RATE), (85_000, 30 * RATE)]
    assert call_ms(10.0, spans, RATE) == 10_000
    assert call_ms(70.0, spans, RATE) == 95_000
    assert call_ms(500.0, spans, RATE) == 115_000  # past the end: the last segment's end


@given(st.lists(st.integers(1, 100 * RATE), min_size=1, max_size=5), st.floats(0, 600))
def test_call_time_never_runs_backwards(lengths, at):
    spans, offset = [], 0
    for frames in lengths:
        spans.append((offset, frames))
        offset += frames * 1000 // RATE + 5_000  # a pause between segments
    assert call_ms(at, spans, RATE) <= call_ms(at + 0.5, spans, RATE)


def test_spoken_and_written_digit_runs_are_masked_and_counted():
    said = transcript(
        line("customer", 0, "my card is four one one one two two two two thanks"),
        line("rep", 9_000, "call me on 555-0123 or at two pm"),
    )
    masked = redact(said, 4)
    texts = [spoken.text for spoken in masked.lines]
    assert texts[0] == f"my card is {MASK} thanks"
    assert texts[1] == f"call me on {MASK} or at two pm"  # "two" alone is no number
    assert masked.redactions == 2
    assert redact(said, None) is said


def test_misheard_digits_are_masked_but_ordinary_words_are_not():
    said = transcript(
        line("customer", 0, "send it to four one one one to two two two please"),
        line("rep", 9_000, "i went to for two weeks"),  # one real digit: no number
        line("rep", 19_000, "going to the office for a meeting"),
    )
    masked = redact(said, 4)
    assert [spoken.text for spoken in masked.lines] == [
        f"send it to {MASK} please",
        "i went to for two weeks",
        "going to the office for a meeting",
    ]
    assert masked.redactions == 1


def test_a_key_phrase_becomes_one_suggestion_at_its_first_word():
    said = transcript(
        line("customer", 12_000, "we need a security review first"),
        line("customer", 14_000, "the security review takes weeks"),  # same point: one
        line("rep", 60_000, "happy to start the security review"),
    )
    found = find_key_phrases(said, {"objection": ["Security review"]})
    assert [(m.tag, m.offset_ms) for m in found] == [("objection", 13_200), ("objection", 61_600)]
    assert "we need" not in found[0].note  # moments are plain text: the line is not quoted


def test_crm_drafts_cite_moments_and_lines_and_skip_what_is_missing():
    said = transcript(
        line("rep", 5_000, "i will send the proposal on friday"),
        line("customer", 9_000, "we are worried about the price"),
    )
    moments = [MarkedMoment(3_000, "competitor_mention", "Competitor mention", "uses Globex")]
    drafts = {
        d.field_key: d
        for d in draft_crm(
            moments,
            said,
            ["next_steps", "timeline", "risks", "competitive_dynamics", "qualification"],
        )
    }
    assert set(drafts) == {"next_steps", "timeline", "risks", "competitive_dynamics"}
    assert drafts["next_steps"].lines == ('commitment "i will" (Rep, 00:05)',)
    assert drafts["timeline"].lines == ('date "friday" (Rep, 00:05)',)
    assert drafts["risks"].lines == ('concern "worried" (Customer, 00:09)',)
    assert "uses Globex (moment 00:03" in drafts["competitive_dynamics"].text
    assert "proposal" not in drafts["next_steps"].text  # cited, not quoted


def test_webvtt_has_voice_spans_and_a_machine_made_note():
    said = transcript(line("rep", 0, "hello <there>"), line("customer", 1_000, "hi"))
    vtt = as_webvtt(said)
    assert "<v Rep>hello &lt;there&gt;" in vtt and "<v Customer>hi" in vtt
    assert "Machine transcript" in vtt
    data = json.loads(render(said, "json"))
    assert data["machine_made"] and data["lines"][1]["label"] == "Customer"
    again = Transcript.from_json(said.to_json())
    assert again == said
    with pytest.raises(ValueError, match="unknown transcript format"):
        render(said, "docx")


def test_a_misheard_key_phrase_is_found_by_how_it_sounds():
    from companion.edges.speech.phonetic import SoundsLike

    said = transcript(
        line("customer", 2_000, "we need a security with you before we sign"),
        line("customer", 40_000, "the body is not final"),
    )
    phrases = {"objection": ["security review"], "decision_criteria": ["budget"]}
    words = [w.text for spoken in said.lines for w in spoken.words]
    sounds = SoundsLike([*words, "security", "review", "budget"])
    found = find_key_phrases(said, phrases, sounds.similarity)
    assert [(m.tag, m.offset_ms) for m in found] == [("objection", 3_200)]
    assert find_key_phrases(said, phrases) == []  # exact matching alone misses it
