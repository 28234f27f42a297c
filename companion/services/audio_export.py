"""A call's audio as a standard Ogg Opus file, for the rep's own use (audited)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from companion.store import audit
from companion.store.models import CallRecord, RecordingSegmentRecord

if TYPE_CHECKING:  # numpy and libsndfile load only when audio is exported or played
    import numpy as np


class ExportError(Exception):
    """The call or its audio cannot be exported; the message says why."""


def find_call(db: Session, call_ref: str) -> CallRecord:
    """A call by its id or an unambiguous prefix of it (as the library shows)."""
    matches = db.scalars(select(CallRecord).where(CallRecord.id.startswith(call_ref))).all()
    if len(matches) != 1:
        found = "no call" if not matches else f"{len(matches)} calls"
        raise ExportError(f"{found} with an id starting '{call_ref}'")
    return matches[0]


def call_audio(
    store: sessionmaker[Session], call_id: str, master_key: bytes
) -> tuple[np.ndarray, int]:
    """All kept segments of a call, in order, as one (n, 2) int16 array."""
    import numpy as np

    from companion.audio.decode import decode_segment

    with store() as db:
        paths = db.scalars(
            select(RecordingSegmentRecord.path)
            .where(
                RecordingSegmentRecord.call_id == call_id,
                RecordingSegmentRecord.state != "discarded",
            )
            .order_by(RecordingSegmentRecord.call_offset_ms)
        ).all()
    segments = [decode_segment(Path(p), master_key) for p in paths if Path(p).exists()]
    if not segments:
        raise ExportError("this call has no recorded audio")
    return np.concatenate([s.frames for s in segments]), segments[0].rate


def export_audio(
    store: sessionmaker[Session],
    call_ref: str,
    out: Path,
    master_key: Callable[[], bytes],
    actor: str,
) -> float:
    import soundfile as sf

    with store() as db:
        call_id = find_call(db, call_ref).id
    frames, rate = call_audio(store, call_id, master_key())
    sf.write(out, frames, rate, format="OGG", subtype="OPUS")
    with store.begin() as db:
        audit.append(
            db,
            "recording.exported",
            actor,
            {"to": str(out), "seconds": round(len(frames) / rate, 1)},
            call_id=call_id,
            at=datetime.now(UTC),
        )
    return len(frames) / rate
