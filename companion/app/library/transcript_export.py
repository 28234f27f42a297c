"""A call's transcript out of the app, for the rep's own use: audited, like the audio."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from companion.app.calls.audio_export import ExportError
from companion.core.transcripts.formats import FORMATS, render
from companion.edges.store import audit
from companion.edges.store.transcripts import load_transcript


def export_transcript(
    store: sessionmaker[Session],
    call_id: str,
    fmt: str,
    out: Path,
    master_key: Callable[[], bytes],
    actor: str,
) -> int:
    """Lines written to `out` in `fmt` (vtt, md, json, text)."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown transcript format '{fmt}'", f"use one of {', '.join(FORMATS)}")
    transcript = load_transcript(store, call_id, master_key)
    if transcript is None:
        raise ExportError(
            "this call has no transcript",
            "calls with recorded audio are transcribed after they end",
        )
    partial = out.with_name(out.name + ".partial")
    try:
        partial.write_text(render(transcript, fmt), encoding="utf-8")
        os.replace(partial, out)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise ExportError(
            f"{out}: the transcript could not be written ({error.strerror})"
        ) from error
    with store.begin() as db:
        audit.append(
            db,
            "transcript.exported",
            actor,
            {"to": str(out), "format": fmt, "lines": len(transcript.lines)},
            call_id=call_id,
            at=datetime.now(UTC),
        )
    return len(transcript.lines)
