"""A call's audio for the review window: decrypted playback and its level envelope.

Loaded once, off the GUI thread, and held in memory only: nothing decrypted is
written anywhere (no cache file, no temporary file).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session, sessionmaker

from companion.app.audio_export import open_playback

if TYPE_CHECKING:  # numpy and PortAudio load only when a review loads its audio
    from companion.edges.audio.envelope import LevelEnvelope
    from companion.edges.audio.playback import CallPlayback


@dataclass(frozen=True)
class CallAudio:
    playback: CallPlayback
    envelope: LevelEnvelope  # rep (microphone) and customer (far end), on the call's clock


def load_call_audio(
    store: sessionmaker[Session],
    call_id: str,
    master_key: Callable[[], bytes],
    call_ms: int,
) -> CallAudio:
    """Decrypt and decode the kept segments; raises ExportError when none are kept."""
    from companion.edges.audio.envelope import call_envelope

    playback = open_playback(store, call_id, master_key)
    spans = playback.spans
    envelope = call_envelope(playback.frames, playback.rate, spans, call_ms)
    return CallAudio(playback, envelope)
