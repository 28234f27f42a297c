"""Turning a transcript into drafts the rep confirms: suggested moments and CRM text.

Drafts never overwrite what the rep wrote: a CRM field with text is left alone, and a
suggested moment is a new DRAFT row the rep confirms, retags or deletes. Until then the
call is not ready to sync (the review's readiness check counts drafts).
"""

from __future__ import annotations

from dataclasses import dataclass

from companion.app.review.service import ReviewService
from companion.core.policy.model import Policy
from companion.core.transcripts.crm_drafts import MarkedMoment, draft_crm
from companion.core.transcripts.key_phrases import (
    Similar,
    find_key_phrases,
    normal_words,
    sure_words_only,
)
from companion.core.transcripts.model import Transcript


@dataclass(frozen=True)
class Drafted:
    moments: int
    crm_fields: int


def phrases_for(policy: Policy, call_type: str) -> dict[str, list[str]]:
    """Key phrases of the tags this call type offers (all tags if it names none)."""
    kind = policy.call_types.get(call_type)
    offered = kind.tags if kind and kind.tags else list(policy.tags)
    return {
        key: policy.tags[key].key_phrases
        for key in offered
        if key in policy.tags and policy.tags[key].key_phrases
    }


def _sounds_like(transcript: Transcript, phrases: dict[str, list[str]]) -> Similar | None:
    """Phonetic matching where the engine's dictionary can say how words sound."""
    if not phrases:
        return None
    from companion.edges.speech.phonetic import SoundsLike

    words = {w for line in transcript.lines for word in line.words for w in normal_words(word.text)}
    words |= {w for listed in phrases.values() for p in listed for w in normal_words(p)}
    try:
        return SoundsLike(words).similarity
    except (OSError, ImportError):  # no dictionary: exact matches only
        return None


def add_drafts(
    review: ReviewService, call_id: str, transcript: Transcript, policy: Policy | None
) -> Drafted:
    if policy is None:
        return Drafted(0, 0)
    shown = review.review(call_id)
    # Only words the engine was sure of can draft anything: an ambiguous signal triggers
    # nothing (the policy's transcription.min_word_confidence).
    transcript = sure_words_only(transcript, policy.transcription.min_word_confidence)
    phrases = phrases_for(policy, shown.call_type)
    suggestions = find_key_phrases(transcript, phrases, _sounds_like(transcript, phrases))
    for suggestion in suggestions:
        review.moments.add_moment(
            call_id,
            suggestion.offset_ms,
            suggestion.note,
            suggestion.tag,
            draft=True,
            had_audio=True,  # heard in the recording: it can be played
        )
    marked = [
        MarkedMoment(m.offset_ms, m.tag, m.tag_label or "Note", m.note)
        for m in shown.moments
        if not m.draft
    ]
    blank = [f.key for f in shown.crm_fields if not f.text.strip()]
    drafts = draft_crm(marked, transcript, blank)
    for draft in drafts:
        review.crm.draft_crm_field(call_id, draft.field_key, draft.text, source="transcript")
    return Drafted(len(suggestions), len(drafts))
