"""A call's moments as WebVTT, for the package: each moment a cue, until the next one."""

from __future__ import annotations

from companion.core.webvtt import cue_escape, vtt_time
from companion.edges.sync.package_facts import MomentFact

CUE_SECONDS_AFTER_LAST = 10


def _cue_text(text: str) -> str:
    escaped = cue_escape(text)
    return "\n".join(line for line in escaped.splitlines() if line.strip())


def package_moments_vtt(moments: list[MomentFact]) -> str:
    """Each moment is a cue lasting until the next one (the last: ten seconds)."""
    ordered = sorted(moments, key=lambda m: m.offset_ms)
    lines = ["WEBVTT", ""]
    for number, moment in enumerate(ordered, start=1):
        start = moment.offset_ms
        following = ordered[number].offset_ms if number < len(ordered) else None
        end = (
            following if following and following > start else start + CUE_SECONDS_AFTER_LAST * 1000
        )
        label = moment.tag_label or moment.tag
        text = _cue_text(f"[{label}] {moment.note}" if label else moment.note) or "(moment)"
        lines += [str(number), f"{vtt_time(start)} --> {vtt_time(end)}", text, ""]
    return "\n".join(lines)
