"""Review playback: decrypt, play through PortAudio, seek to any second."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest
from peers.sounds import MIC, dominant, play, tone

from companion.app.audio_export import open_playback
from companion.app.calls import CallRequest
from companion.app.compose import build_context

pytestmark = pytest.mark.usefixtures("secret_service", "pulse_testbed")


def _parec(seconds: float) -> np.ndarray:
    """What the default sink (spk) plays, read from its monitor by parec."""
    process = subprocess.Popen(
        ["parec", "--device=spk.monitor", "--rate=48000", "--channels=1", "--format=s16le"],
        stdout=subprocess.PIPE,
    )
    assert process.stdout is not None
    data = process.stdout.read(int(seconds * 48_000) * 2)
    process.terminate()
    process.wait(timeout=10)
    return np.frombuffer(data, dtype=np.int16)


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
    heard = _parec(0.8)
    playback.stop()
    assert abs(dominant(heard, 48_000) - 1200) < 10
    playback.seek(0.2)
    assert abs(playback.position - 0.2) < 0.001
    playback.play()
    heard = _parec(0.6)
    playback.stop()
    assert abs(dominant(heard, 48_000) - 600) < 10
