"""A drafted moment the rep confirmed is theirs: "suggested" nowhere, exports included;
the transcript view marks the words the engine was unsure of."""

from __future__ import annotations

from companion.app.calls.service import CallRequest
from companion.core.transcripts.key_phrases import SuggestedMoment, marked_text, sure_words_only
from companion.core.transcripts.model import SpokenWord, Transcript, TranscriptLine


def test_a_confirmed_draft_is_not_called_suggested_in_the_review_or_the_exports(
    make_context, tmp_path
):
    ctx = make_context()
    ctx.calls.start_call(CallRequest("Acme", "demo", "US"))
    ctx.calls.mark_decline()
    call_id = ctx.calls.current.details.call_id
    ctx.calls.end_call()
    note = SuggestedMoment("objection", 4_000, "security review", "Customer").note
    assert "suggested" in note
    drafted = ctx.review.moments.add_moment(call_id, 4_000, note, "objection", draft=True)
    confirmed = ctx.review.moments.confirm_draft(drafted.id)
    assert not confirmed.draft and "suggested" not in confirmed.note.lower()
    assert "security review" in confirmed.note
    shown = [m for m in ctx.review.review(call_id).moments if m.id == drafted.id]
    assert shown and "suggested" not in shown[0].note.lower()
    for fmt in ("md", "json", "vtt"):
        out = tmp_path / f"notes.{fmt}"
        ctx.exports.notes(call_id, fmt, out)
        text = out.read_text(encoding="utf-8")
        assert "security review" in text and "suggested" not in text.lower(), (fmt, text)


def test_unsure_words_draft_nothing_and_are_marked_for_the_rep():
    words = (
        SpokenWord("we", 0, 100, 0.9),
        SpokenWord("need", 100, 200, 0.95),
        SpokenWord("a", 200, 300, 0.8),
        SpokenWord("security", 300, 400, 0.12),
        SpokenWord("review", 400, 500, 0.9),
    )
    transcript = Transcript("t", "t", "en", (TranscriptLine("customer", 0, 500, words),))
    sure = sure_words_only(transcript, 0.2)
    assert [w.text for w in sure.lines[0].words] == ["we", "need", "a", "[unsure]", "review"]
    assert marked_text(words, 0.2) == "we need a security(?) review"
    assert sure_words_only(transcript, 0.1) == transcript
