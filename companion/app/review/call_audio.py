"""A call's audio for the review window: its level envelope, and playback.

Both decrypt in memory, off the GUI thread, and write nothing (no cache, no temporary
file). The envelope is measured one segment at a time and keeps only the levels; the
whole call (about 690 MB an hour of stereo int16) is decoded for playback only once
the rep plays, and the window lets it go when it closes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session, sessionmaker

from companion.app.calls.audio_export import open_playback
from companion.edges.audio.capture import SAMPLE_RATE
from companion.edges.store.recordings import kept_segments

if TYPE_CHECKING:  # numpy and PortAudio load only when a review loads its audio
    from companion.edges.audio.envelope import LevelEnvelope
    from companion.edges.audio.playback import CallPlayback


class CallAudio:
    """One call's kept audio, as the review reads it; each method is slow (decrypts)."""

    def __init__(
        self, store: sessionmaker[Session], call_id: str, master_key: Callable[[], bytes]
    ) -> None:
        self._store, self._call_id, self._master_key = store, call_id, master_key

    def envelope(self, call_ms: int) -> LevelEnvelope:
        """Each side's level over the call (rep: the microphone; customer: the far end)."""
        from companion.edges.audio.decode import decode_segment
        from companion.edges.audio.envelope import EnvelopeBuilder, call_end_ms

        segments = [s for s in kept_segments(self._store, self._call_id) if s.path.exists()]
        spans = [(s.call_offset_ms, s.frames) for s in segments]
        builder = EnvelopeBuilder(call_end_ms(call_ms, SAMPLE_RATE, spans), SAMPLE_RATE)
        key = self._master_key() if segments else b""
        for segment in segments:
            builder.add(segment.call_offset_ms, decode_segment(segment.path, key).frames)
        return builder.done()

    def playback(self) -> CallPlayback:
        """The whole call decoded, ready to play from any point; raises if none is kept."""
        return open_playback(self._store, self._call_id, self._master_key)
