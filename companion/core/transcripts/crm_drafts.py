"""Drafting CRM fields from what the rep marked and what was said, citing each source.

Nothing here decides anything: each draft is a list of cited lines the rep confirms,
edits or clears, and it counts for nothing until they do. The sources are the rep's own
tagged moments and notes first, then transcript lines with commitments and dates. A
transcript line is cited by speaker, time and the cue words that matched, not quoted:
CRM text is stored in plain text, and the transcript stays sealed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from companion.core.transcripts.model import Transcript, TranscriptLine

COMMITMENT = re.compile(
    r"\b(i'll|i will|we'll|we will|let me|i can send|send (you|over)|follow up|"
    r"next step|schedule|set up a|get back to you)\b",
    re.IGNORECASE,
)
WHEN = re.compile(
    r"\b(tomorrow|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"next (week|month|quarter|year)|end of (the )?(week|month|quarter|year)|"
    r"this (week|month|quarter)|january|february|march|april|may|june|july|august|"
    r"september|october|november|december|q[1-4]|in \w+ (days|weeks|months))\b",
    re.IGNORECASE,
)
RISK = re.compile(
    r"\b(concern(ed)?|worried|risk|blocker|security review|legal review|too expensive|"
    r"budget|not sure|cancel|churn)\b",
    re.IGNORECASE,
)
RISK_TAGS = frozenset({"objection", "renewal_risk", "pain_point", "product_gap"})
COMPETITOR_TAGS = frozenset({"competitor_mention"})
NEXT_STEP_TAGS = frozenset({"next_step", "decision_criteria"})


@dataclass(frozen=True)
class MarkedMoment:
    """A moment as the rep left it (confirmed ones only: drafts don't feed drafts)."""

    offset_ms: int
    tag: str | None
    tag_label: str
    note: str


@dataclass(frozen=True)
class CrmDraft:
    field_key: str
    lines: tuple[str, ...]  # each "text (source)"

    @property
    def text(self) -> str:
        return "\n".join(f"- {line}" for line in self.lines)


def clock(ms: int) -> str:
    seconds = ms // 1000
    hours, rest = divmod(seconds, 3600)
    return (
        f"{hours}:{rest // 60:02d}:{rest % 60:02d}"
        if hours
        else f"{rest // 60:02d}:{rest % 60:02d}"
    )


def draft_crm(
    moments: Sequence[MarkedMoment], transcript: Transcript | None, field_keys: Sequence[str]
) -> list[CrmDraft]:
    """Drafts for the fields this module knows how to draft, where there is a source."""
    lines = transcript.lines if transcript else ()
    sources = {
        "next_steps": _from_moments(moments, NEXT_STEP_TAGS)
        + _from_lines(lines, COMMITMENT, "commitment"),
        "timeline": _from_lines(lines, WHEN, "date"),
        "risks": _from_moments(moments, RISK_TAGS) + _from_lines(lines, RISK, "concern"),
        "competitive_dynamics": _from_moments(moments, COMPETITOR_TAGS),
    }
    return [CrmDraft(key, tuple(sources[key])) for key in field_keys if sources.get(key)]


def _from_moments(moments: Sequence[MarkedMoment], tags: frozenset[str]) -> list[str]:
    return [
        f"{m.note or m.tag_label} (moment {clock(m.offset_ms)}, {m.tag_label})"
        for m in moments
        if m.tag in tags
    ]


def _from_lines(lines: Sequence[TranscriptLine], cue: re.Pattern[str], kind: str) -> list[str]:
    cited = []
    for line in lines:
        found = cue.search(line.text)
        if found:
            cited.append(f'{kind} "{found.group(0)}" ({line.label}, {clock(line.start_ms)})')
    return cited
