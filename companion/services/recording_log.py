"""What the store knows about a call's audio segments, and discarding them when told.

Deleting audio is a governed act: each discard is an audit entry in the same
transaction that marks the segment discarded.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from companion.audio.capture import SAMPLE_RATE
from companion.services.recorder import SegmentSummary
from companion.store import audit
from companion.store.models import RecordingSegmentRecord

log = logging.getLogger(__name__)


class RecordingLog:
    def __init__(self, store: sessionmaker[Session]) -> None:
        self._store = store

    def opened(self, call_id: str, path: Path, call_offset_ms: int, at: datetime) -> None:
        with self._store.begin() as db:
            db.add(
                RecordingSegmentRecord(
                    call_id=call_id,
                    path=str(path),
                    call_offset_ms=call_offset_ms,
                    frames=0,
                    sides="",
                    overflows=0,
                    state="recording",
                    created_at=at,
                )
            )

    def closed(self, summary: SegmentSummary) -> None:
        with self._store.begin() as db:
            record = db.scalars(
                select(RecordingSegmentRecord).where(
                    RecordingSegmentRecord.path == str(summary.path)
                )
            ).one()
            record.frames, record.overflows = summary.frames, summary.overflows
            record.sides, record.state = ",".join(summary.sides), "complete"

    def recorded_seconds(self, call_id: str) -> float:
        with self._store() as db:
            frames = db.scalars(
                select(RecordingSegmentRecord.frames).where(
                    RecordingSegmentRecord.call_id == call_id,
                    RecordingSegmentRecord.state != "discarded",
                )
            ).all()
        return sum(frames) / SAMPLE_RATE

    def discard(self, call_id: str, actor: str, reason: str, at: datetime) -> int:
        """Delete the call's audio files and say so in the audit trail."""
        with self._store.begin() as db:
            segments = db.scalars(
                select(RecordingSegmentRecord).where(
                    RecordingSegmentRecord.call_id == call_id,
                    RecordingSegmentRecord.state != "discarded",
                )
            ).all()
            for segment in segments:
                Path(segment.path).unlink(missing_ok=True)
                segment.state = "discarded"
                audit.append(
                    db,
                    "recording.discarded",
                    actor,
                    {
                        "segment": Path(segment.path).name,
                        "reason": reason,
                        "seconds": round(segment.frames / SAMPLE_RATE, 1),
                    },
                    call_id=call_id,
                    at=at,
                )
            return len(segments)
