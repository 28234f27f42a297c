"""Recordings left by a killed process: repaired to their last complete page and kept.

A segment still marked `recording` when the app starts was never closed. Its
sealed records are authentic up to the crash; the audio in them is decoded in
memory, re-encoded into a fresh, cleanly closed container, and swapped in
atomically, so a second crash during recovery loses nothing either.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from companion.edges.store import audit
from companion.edges.store.models import RecordingSegmentRecord

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RecoveryReport:
    recovered: list[tuple[str, float]]  # (call id, seconds kept)
    failed: list[tuple[str, str]]  # (file, why)

    def summary(self) -> str:
        if not self.recovered and not self.failed:
            return "no interrupted recordings found"
        parts = [
            f"recovered {len(self.recovered)} interrupted recording(s) "
            f"({sum(s for _, s in self.recovered):.1f} s of audio kept)"
        ]
        parts += [f"could not recover {name}: {why}" for name, why in self.failed]
        return "; ".join(parts)


def _rewrite(path: Path, master_key: bytes) -> tuple[int, float]:
    from companion.edges.audio.decode import decode_segment
    from companion.edges.audio.encoder import EncryptedOpusSink

    segment = decode_segment(path, master_key)
    repaired = path.with_name(path.name + ".repaired")
    repaired.unlink(missing_ok=True)
    sink = EncryptedOpusSink(repaired, master_key)
    sink.write(segment.frames)
    sink.close()
    os.replace(repaired, path)
    return len(segment.frames), segment.seconds


def recover_interrupted(
    store: sessionmaker[Session], master_key: Callable[[], bytes], actor: str
) -> RecoveryReport:
    with store() as db:
        stuck = db.scalars(
            select(RecordingSegmentRecord).where(RecordingSegmentRecord.state == "recording")
        ).all()
    if not stuck:
        return RecoveryReport([], [])
    from companion.edges.audio.container.format import ContainerError

    key = master_key()
    recovered, failed = [], []
    for segment in stuck:
        path = Path(segment.path)
        try:
            frames, seconds = _rewrite(path, key) if path.exists() else (0, 0.0)
        except (ContainerError, OSError) as error:
            log.exception("recovery of %s failed", path)
            failed.append((path.name, str(error)))
            continue
        with store.begin() as db:
            record = db.get(RecordingSegmentRecord, segment.id)
            assert record is not None
            record.frames, record.state = frames, "recovered"
            audit.append(
                db,
                "recording.recovered",
                actor,
                {"segment": path.name, "seconds": round(seconds, 1), "file_found": path.exists()},
                call_id=segment.call_id,
                at=datetime.now(UTC),
            )
        recovered.append((segment.call_id, seconds))
    return RecoveryReport(recovered, failed)
