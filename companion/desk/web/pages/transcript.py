"""A transcript's WebVTT as lines to show: start time, speaker, and text in pieces, where
the masked numbers (`[number]`, see `core.transcripts.redaction`) are pieces of their own
so the page can mark them as masked. Plain text only: the template escapes it."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from companion.core.transcripts.redaction import MASK

CUE_TIME = re.compile(r"^(\d+):(\d{2}):(\d{2})\.(\d{3}) --> ")
VOICE = re.compile(r"^<v ([^>]*)>(.*)$", re.DOTALL)


@dataclass(frozen=True)
class Piece:
    text: str
    masked: bool = False


@dataclass(frozen=True)
class Line:
    start_ms: int
    speaker: str
    pieces: tuple[Piece, ...]


def _pieces(text: str) -> tuple[Piece, ...]:
    parts = text.split(MASK)
    out: list[Piece] = []
    for index, part in enumerate(parts):
        if part:
            out.append(Piece(part))
        if index < len(parts) - 1:
            out.append(Piece(MASK, masked=True))
    return tuple(out)


def lines_of(vtt: str) -> list[Line]:
    lines: list[Line] = []
    for block in vtt.replace("\r\n", "\n").split("\n\n"):
        rows = block.strip("\n").split("\n")
        for at, row in enumerate(rows):
            found = CUE_TIME.match(row)
            if not found:
                continue
            h, m, s, ms = (int(g) for g in found.groups())
            text = "\n".join(rows[at + 1 :])
            voice = VOICE.match(text)
            speaker, text = (voice.group(1), voice.group(2)) if voice else ("", text)
            text = re.sub(r"</?[a-z][^>]*>", "", text)  # other cue tags (<c>, </v>)
            start = ((h * 60 + m) * 60 + s) * 1000 + ms
            lines.append(Line(start, html.unescape(speaker), _pieces(html.unescape(text))))
            break
    return lines
