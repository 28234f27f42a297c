"""Keeping transcripts like audio: sealed on disk, found by keyed hashes, deleted with it.

The transcript is a JSON document sealed in the audio container (AES-256-GCM under the
audio master key): written to a temporary name and renamed, so a crash leaves either
the old file or the new one. The search index holds HMAC-SHA256 digests of the spoken
words, never the words. The job row says where transcription of a call stands, so a
quit or crash mid-way resumes at the next start.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy import exists, select, text
from sqlalchemy.orm import Session, sessionmaker

from companion.core.transcripts.key_phrases import normal_words
from companion.core.transcripts.model import Transcript
from companion.edges.store.models import CallRecord, RecordingSegmentRecord, TranscriptRecord

log = logging.getLogger(__name__)
SEARCH_LABEL = b"rep-companion transcript search v1"
PENDING = ("queued", "running")
KEPT_AUDIO = ("recording", "complete", "recovered")  # a segment whose file is kept


def search_key(master_key: bytes) -> bytes:
    """A key of its own for the index, so index digests reveal nothing about audio keys."""
    return hmac.new(master_key, SEARCH_LABEL, hashlib.sha256).digest()


def blind_terms(words: list[str], key: bytes) -> list[str]:
    """Each distinct normalised word as a keyed digest (24 hex digits: FTS5 tokens)."""
    seen = dict.fromkeys(w for word in words for w in normal_words(word))
    return [hmac.new(key, w.encode(), hashlib.sha256).hexdigest()[:24] for w in seen]


class TranscriptFiles:
    def __init__(
        self, store: sessionmaker[Session], folder: Path, master_key: Callable[[], bytes]
    ) -> None:
        self._store, self._folder, self._master_key = store, folder, master_key

    def path_for(self, call_id: str) -> Path:
        return self._folder / f"{call_id}.rct"

    def save(self, call_id: str, transcript: Transcript, at: datetime) -> Path:
        from companion.edges.audio.container.writer import EncryptedWriter  # cryptography

        key = self._master_key()
        self._folder.mkdir(parents=True, exist_ok=True)
        final, partial = self.path_for(call_id), self._folder / f"{call_id}.rct.partial"
        partial.unlink(missing_ok=True)  # left by a crash mid-write
        with EncryptedWriter(partial, key) as sealed:
            sealed.write(transcript.to_json())
        os.replace(partial, final)
        words = [w.text for line in transcript.lines for w in line.words]
        with self._store.begin() as db:
            db.execute(text("DELETE FROM transcript_search WHERE call_id = :c"), {"c": call_id})
            db.execute(
                text("INSERT INTO transcript_search(call_id, terms) VALUES (:c, :t)"),
                {"c": call_id, "t": " ".join(blind_terms(words, search_key(key)))},
            )
            record = db.get(TranscriptRecord, call_id) or TranscriptRecord(call_id=call_id)
            record.state, record.progress, record.path = "done", 1.0, str(final)
            record.engine, record.model = transcript.engine, transcript.model
            record.language, record.lines = transcript.language, len(transcript.lines)
            record.redactions, record.error, record.updated_at = transcript.redactions, "", at
            db.merge(record)
        return final

    def load(self, call_id: str) -> Transcript | None:
        """The call's transcript, decrypted in memory; None if it has none (yet)."""
        return load_transcript(self._store, call_id, self._master_key)

    def matching_calls(self, user_text: str) -> set[str] | None:
        """Calls whose transcript holds every word of `user_text` (None: no words)."""
        words = normal_words(user_text)
        if not words:
            return None
        with self._store() as db:  # no transcripts yet: no need to ask the keyring
            if db.execute(text("SELECT 1 FROM transcript_search LIMIT 1")).first() is None:
                return set()
        terms = blind_terms(words, search_key(self._master_key()))
        query = " AND ".join(f'"{term}"' for term in terms)
        with self._store() as db:
            rows = db.execute(
                text("SELECT call_id FROM transcript_search WHERE terms MATCH :q"), {"q": query}
            ).all()
        return {row[0] for row in rows}


def load_transcript(
    store: sessionmaker[Session], call_id: str, master_key: Callable[[], bytes]
) -> Transcript | None:
    """The call's transcript, decrypted in memory; None if it has none (yet)."""
    # cryptography loads with the first transcript opened, not at start-up
    from companion.edges.audio.container.format import ContainerError
    from companion.edges.audio.container.reader import read_container

    with store() as db:
        record = db.get(TranscriptRecord, call_id)
        path = Path(record.path) if record and record.state == "done" else None
    if path is None or not path.exists():
        return None
    contents = read_container(path, master_key())
    if not contents.complete:
        raise ContainerError(f"{path.name}: the transcript file is incomplete")
    return Transcript.from_json(contents.plaintext)


def delete_transcript(db: Session, call_id: str) -> bool:
    """Remove the call's transcript file, index entry and job, in the caller's transaction."""
    record = db.get(TranscriptRecord, call_id)
    db.execute(text("DELETE FROM transcript_search WHERE call_id = :c"), {"c": call_id})
    if record is None:
        return False
    if record.path:
        Path(record.path).unlink(missing_ok=True)
    db.delete(record)
    return True


class TranscriptJobs:
    """The durable queue of calls to transcribe."""

    def __init__(self, store: sessionmaker[Session]) -> None:
        self._store = store

    def queue(self, call_id: str, at: datetime) -> None:
        with self._store.begin() as db:
            if db.get(TranscriptRecord, call_id) is None:
                db.add(TranscriptRecord(call_id=call_id, state="queued", updated_at=at))

    def queue_finished(self, at: datetime) -> int:
        """Queue every ended call with kept audio and no transcription yet; how many."""
        kept = exists().where(
            RecordingSegmentRecord.call_id == CallRecord.id,
            RecordingSegmentRecord.state.in_(KEPT_AUDIO),
        )
        known = exists().where(TranscriptRecord.call_id == CallRecord.id)
        with self._store.begin() as db:
            calls = db.scalars(
                select(CallRecord.id).where(CallRecord.ended_at.is_not(None), kept, ~known)
            ).all()
            for call_id in calls:
                db.add(TranscriptRecord(call_id=call_id, state="queued", updated_at=at))
        return len(calls)

    def pending(self) -> list[str]:
        """Calls queued, or left running by a quit or crash: oldest first."""
        with self._store() as db:
            return list(
                db.scalars(
                    select(TranscriptRecord.call_id)
                    .where(TranscriptRecord.state.in_(PENDING))
                    .order_by(TranscriptRecord.updated_at)
                )
            )

    def state(self, call_id: str) -> TranscriptRecord | None:
        with self._store() as db:
            record = db.get(TranscriptRecord, call_id)
            if record is not None:
                db.expunge(record)
            return record

    def mark(
        self, call_id: str, state: str, at: datetime, progress: float = 0.0, error: str = ""
    ) -> None:
        with self._store.begin() as db:
            record = db.get(TranscriptRecord, call_id)
            if record is None:
                return  # deleted meanwhile (retention, withdrawal): nothing to track
            record.state, record.progress, record.error, record.updated_at = (
                state,
                progress,
                error,
                at,
            )
