"""A call's moments as WebVTT, for the package: each moment a cue, until the next one."""

from __future__ import annotations

from companion.edges.sync.package_facts import MomentFact

CUE_SECONDS_AFTER_LAST = 10


def _timestamp(ms: int) -> str:
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def _cue_text(text: str) -> str:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
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
        lines += [str(number), f"{_timestamp(start)} --> {_timestamp(end)}", text, ""]
    return "\n".join(lines)
