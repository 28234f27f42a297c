"""A transcript as WebVTT (with voice spans), Markdown and JSON: for the rep and the org.

Every format says the text is machine made: a transcript is a draft of what was said.
"""

from __future__ import annotations

import json

from companion.core.transcripts.model import Transcript
from companion.core.webvtt import cue_escape, vtt_time

MACHINE_MADE = "Machine transcript (draft, not checked by a person)"
FORMATS = ("vtt", "md", "json", "text")


def as_webvtt(transcript: Transcript) -> str:
    """One cue per line, its speaker as a voice span (`<v Rep>`, `<v Customer>`)."""
    out = ["WEBVTT", "", "NOTE", cue_escape(f"{MACHINE_MADE}; {_engine(transcript)}"), ""]
    for number, line in enumerate(transcript.lines, start=1):
        end = max(line.end_ms, line.start_ms + 1)
        out += [
            str(number),
            f"{vtt_time(line.start_ms)} --> {vtt_time(end)}",
            f"<v {line.label}>{cue_escape(line.text)}"
            if transcript.two_sided
            else cue_escape(line.text),
            "",
        ]
    return "\n".join(out)


def as_markdown(transcript: Transcript, title: str = "Transcript") -> str:
    out = [f"# {title}", "", f"_{MACHINE_MADE}; {_engine(transcript)}._", ""]
    for line in transcript.lines:
        who = f" {line.label}:" if transcript.two_sided else ""
        out.append(f"- **{vtt_time(line.start_ms)[:8]}{who}** {line.text}")
    return "\n".join(out) + "\n"


def as_json(transcript: Transcript) -> str:
    data = json.loads(transcript.to_json())
    data["machine_made"] = True
    for line in data["lines"]:
        line["label"] = {"rep": "Rep", "customer": "Customer"}[line["speaker"]]
        line["text"] = " ".join(word[0] for word in line["words"])
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def as_text(transcript: Transcript) -> str:
    return "".join(
        f"[{vtt_time(line.start_ms)}] {line.said(transcript.two_sided)}\n"
        for line in transcript.lines
    )


def render(transcript: Transcript, fmt: str, title: str = "Transcript") -> str:
    if fmt == "vtt":
        return as_webvtt(transcript)
    if fmt == "md":
        return as_markdown(transcript, title)
    if fmt == "json":
        return as_json(transcript)
    if fmt == "text":
        return as_text(transcript)
    raise ValueError(f"unknown transcript format {fmt!r} (known: {', '.join(FORMATS)})")


def _engine(transcript: Transcript) -> str:
    masked = f", {transcript.redactions} number(s) masked" if transcript.redactions else ""
    return f"{transcript.engine}, {transcript.model}, {transcript.language}{masked}"
