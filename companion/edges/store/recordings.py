"""What the store knows about a call's audio segments, and deleting them when told.

Deleting audio is a governed act: `delete_segments` is the one place that removes a
segment's file, marks its row and writes its audit entry, in the caller's transaction.
A withdrawal discards; the retention sweep expires. A call's transcript goes with
its audio.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from companion.core.calls.recorder import SegmentSummary
from companion.edges.audio.capture import SAMPLE_RATE
from companion.edges.store import audit
from companion.edges.store.models import ConsentEventRecord, RecordingSegmentRecord
from companion.edges.store.transcripts import delete_transcript

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class KeptSegment:
    path: Path
    call_offset_ms: int
    frames: int


def kept_segments(store: sessionmaker[Session], call_id: str) -> list[KeptSegment]:
    """The call's segments that were not discarded, in call order."""
    with store() as db:
        rows = db.execute(
            select(
                RecordingSegmentRecord.path,
                RecordingSegmentRecord.call_offset_ms,
                RecordingSegmentRecord.frames,
            )
            .where(
                RecordingSegmentRecord.call_id == call_id,
                RecordingSegmentRecord.state != "discarded",
            )
            .order_by(RecordingSegmentRecord.call_offset_ms)
        ).all()
    return [KeptSegment(Path(path), offset, frames) for path, offset, frames in rows]


def delete_segments(
    db: Session,
    segments: Iterable[RecordingSegmentRecord],
    *,
    call_id: str,
    actor: str,
    event: str,
    state: str,
    details: dict[str, str],
    at: datetime,
    with_seconds: bool = False,
) -> int:
    """Remove each segment's file, mark its row `state`, audit it as `event`; the count."""
    count = 0
    for segment in segments:
        Path(segment.path).unlink(missing_ok=True)
        segment.state = state
        entry: dict[str, object] = {"segment": Path(segment.path).name, **details}
        if with_seconds:  # a withdrawal says how much of the conversation went
            entry["seconds"] = round(segment.frames / SAMPLE_RATE, 1)
        audit.append(db, event, actor, entry, call_id=call_id, at=at)
        count += 1
    if count and delete_transcript(db, call_id):  # the words go with the voice
        audit.append(db, "transcript.deleted", actor, {"with": event}, call_id=call_id, at=at)
    return count


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
            return delete_segments(
                db,
                segments,
                call_id=call_id,
                actor=actor,
                event="recording.discarded",
                state="discarded",
                details={"reason": reason},
                at=at,
                with_seconds=True,
            )


def consent_language(store: sessionmaker[Session], call_id: str) -> str | None:
    """The language of the consent script the customer last agreed to: the call's."""
    with store() as db:
        return db.execute(
            select(ConsentEventRecord.language)
            .where(ConsentEventRecord.call_id == call_id, ConsentEventRecord.kind == "granted")
            .order_by(ConsentEventRecord.id.desc())
            .limit(1)
        ).scalar_one_or_none()
