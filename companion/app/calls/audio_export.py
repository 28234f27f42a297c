"""A call's audio as a standard Ogg Opus file, for the rep's own use (audited)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from companion.core.errors import UserFacingError
from companion.edges.store import audit
from companion.edges.store.models import CallRecord
from companion.edges.store.recordings import kept_segments

if TYPE_CHECKING:  # numpy and libsndfile load only when audio is exported or played
    import numpy as np

    from companion.edges.audio.playback import CallPlayback


class ExportError(UserFacingError):
    """The call or its audio cannot be exported; the message says why."""


WILDCARDS = re.compile(r"[%_\\\s]")  # SQL LIKE's wildcards and escape; ids hold none
CANDIDATES_SHOWN = 5


def find_call(db: Session, call_ref: str) -> CallRecord:
    """A call by its id or an unambiguous prefix of it (as the library shows).

    The reference is matched literally: `%`, `_`, `\\` and spaces, which no call id
    holds, are refused, and the pattern is escaped besides.
    """
    if not call_ref or WILDCARDS.search(call_ref):
        shown = repr(call_ref) if call_ref else "an empty reference"
        raise ExportError(
            f"{shown} is not a call id: give the id, or its first characters, "
            "as the review window shows it"
        )
    matches = db.scalars(
        select(CallRecord)
        .where(CallRecord.id.startswith(call_ref.lower(), autoescape=True))
        .order_by(CallRecord.started_at)
    ).all()
    if not matches:
        raise ExportError(f"no call with an id starting '{call_ref}'")
    if len(matches) > 1:
        listed = ", ".join(f"{c.id[:13]} ({c.account})" for c in matches[:CANDIDATES_SHOWN])
        more = (
            f" and {len(matches) - CANDIDATES_SHOWN} more"
            if len(matches) > CANDIDATES_SHOWN
            else ""
        )
        raise ExportError(
            f"{len(matches)} calls have an id starting '{call_ref}': {listed}{more}; "
            "give more characters"
        )
    return matches[0]


def call_audio(
    store: sessionmaker[Session], call_id: str, master_key: bytes
) -> tuple[np.ndarray, int]:
    """All kept segments of a call, in order, as one (n, 2) int16 array."""
    from companion.edges.audio.decode import decode_call

    audio = decode_call([s.path for s in kept_segments(store, call_id)], master_key)
    if audio is None:
        raise ExportError("this call has no recorded audio")
    return audio


def open_playback(
    store: sessionmaker[Session], call_id: str, master_key: Callable[[], bytes]
) -> CallPlayback:
    """The call decoded in memory, ready to play from any point of the call."""
    from companion.edges.audio.playback import CallPlayback

    frames, rate = call_audio(store, call_id, master_key())
    spans = [(s.call_offset_ms, s.frames) for s in kept_segments(store, call_id)]
    return CallPlayback(frames, rate, spans)


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
