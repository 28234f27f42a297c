"""A call's notes, audio and transcript out of the app, for the rep's own use: always audited.

The same use cases as `companion export`, bound to this profile's store, rep, policy and
audio key, for the review and library windows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from companion.core.policy.model import Policy
from companion.edges.store.models import CallRecord, ConsentEventRecord, TranscriptRecord
from companion.edges.store.recordings import kept_segments

NOTE_FORMATS = {"md": "Markdown (*.md)", "json": "JSON (*.json)", "vtt": "WebVTT (*.vtt)"}
TRANSCRIPT_FORMATS = {
    "vtt": "WebVTT with speakers (*.vtt)",
    "md": "Markdown (*.md)",
    "json": "JSON (*.json)",
}
SHORT_ID = 8  # what the review shows and the command line accepts


def short_id(call_id: str) -> str:
    return call_id[:SHORT_ID]


@dataclass(frozen=True)
class CallExports:
    store: sessionmaker[Session]
    rep: str
    policy: Callable[[], Policy | None]
    master_key: Callable[[], bytes]

    # The exporters load at the first export: the tray holds this object from start-up.
    def notes(self, call_id: str, fmt: str, out: Path) -> None:
        from companion.app.library.notes_export import export_notes

        export_notes(self.store, call_id, fmt, out, self.rep, self.policy())

    def audio(self, call_id: str, out: Path) -> float:
        """Seconds written; only consented, kept audio exists to export."""
        from companion.app.calls.audio_export import export_audio

        return export_audio(self.store, call_id, out, self.master_key, self.rep)

    def transcript(self, call_id: str, fmt: str, out: Path) -> int:
        """Lines written; a call without a transcript raises ExportError."""
        from companion.app.library.transcript_export import export_transcript

        return export_transcript(self.store, call_id, fmt, out, self.master_key, self.rep)

    def has_transcript(self, call_id: str) -> bool:
        with self.store() as db:
            record = db.get(TranscriptRecord, call_id)
            return record is not None and record.state == "done" and bool(record.path)

    def has_audio(self, call_id: str) -> bool:
        with self.store() as db:
            call = db.get(CallRecord, call_id)
            granted = call is not None and any(
                e.kind == "granted" for e in db.query(ConsentEventRecord).filter_by(call_id=call_id)
            )
        return granted and any(s.path.exists() for s in kept_segments(self.store, call_id))
