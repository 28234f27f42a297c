"""Review playback: decrypt, play through PortAudio, seek to any second."""

from __future__ import annotations

import pytest
from peers.sounds import MIC, dominant, hear, play, tone

from companion.app.calls.audio_export import open_playback
from companion.app.calls.service import CallRequest
from companion.app.compose import build_context

pytestmark = pytest.mark.usefixtures("secret_service", "pulse_testbed")


def test_play_from_a_later_second(tmp_path):
    context = build_context()
    calls = context.calls
    calls.start_call(CallRequest("Acme", "demo", "DE"))
    call_id = calls.current.details.call_id
    calls.mark_consent()
    play(MIC, tone(tmp_path, 600, 1.5))
    play(MIC, tone(tmp_path, 1200, 1.5))
    calls.end_call()
    playback = open_playback(context.store, call_id, context.audio_keys.master_key)
    assert 2.8 < playback.seconds < 4.5
    playback.play(from_seconds=playback.seconds - 1.2)
    heard = hear(0.8)
    playback.stop()
    assert abs(dominant(heard, 48_000) - 1200) < 10
    playback.seek(0.2)
    assert abs(playback.position - 0.2) < 0.001
    playback.play()
    heard = hear(0.6)
    playback.stop()
    assert abs(dominant(heard, 48_000) - 600) < 10
