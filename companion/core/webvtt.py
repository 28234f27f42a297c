"""WebVTT's two small rules, in one place: cue times and cue text escaping."""

from __future__ import annotations


def vtt_time(ms: int) -> str:
    """HH:MM:SS.mmm (hours unbounded), as WebVTT cues and the Markdown headings use."""
    hours, rest = divmod(max(0, ms), 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def cue_escape(text: str) -> str:
    """Text safe inside a cue: &, < and > as entities (a note may hold markup)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
