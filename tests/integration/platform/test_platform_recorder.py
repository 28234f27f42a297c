"""The recorder takes the call audio through the platform seam where PortAudio has none
(Windows' loopback, a macOS tap): only under consent, into the same encrypted segment."""

from __future__ import annotations

import time

import numpy as np
import pytest
from platform_fakes import live_grant

from companion.edges.audio.capture import SAMPLE_RATE, Block
from companion.edges.audio.devices import AudioUnavailable
from companion.edges.audio.recorder import AudioRecorder, RecorderUnavailable
from companion.edges.audio.sources import SourcePlan
from companion.edges.platform.call_audio import CallAudioFormat
from companion.edges.platform.call_audio_windows import to_call_format

NO_PORTAUDIO_SOURCES = SourcePlan(None, None, "nothing: no microphone and no system-audio source")


class FarEnd:
    """An OS side whose callback the test drives: it checks the grant like the real ones."""

    def __init__(self, refuse=False):
        self.refuse, self.target, self.closed = refuse, None, 0

    def open(self, grant, blocks, index):
        grant.require_active()
        if self.refuse:
            raise AudioUnavailable("macOS did not let Rep Companion hear the call", "Allow it")
        self.target = (grant, blocks, index)
        return CallAudioFormat(SAMPLE_RATE, 1)

    def deliver(self, seconds):
        grant, blocks, index = self.target
        if grant.active:
            tone = (np.sin(np.arange(int(SAMPLE_RATE * seconds)) / 8) * 8000).astype(np.int16)
            blocks.put(Block(index, tone.tobytes(), time.monotonic()))

    def close(self):
        self.closed += 1


def recorder(tmp_path, far_end):
    return AudioRecorder(tmp_path, lambda: bytes(32), lambda: NO_PORTAUDIO_SOURCES, far_end)


def test_the_call_audio_is_recorded_through_the_seam_and_stops_with_consent(tmp_path):
    session, grant = live_grant()
    far_end = FarEnd()
    rec = recorder(tmp_path, far_end)
    path = rec.open_capture(grant)
    far_end.deliver(0.5)
    session.pause()
    far_end.deliver(0.5)  # after the pause: dropped
    summary = rec.stop()
    assert summary is not None and summary.sides == ("far_end",)
    assert summary.frames == SAMPLE_RATE // 2
    assert far_end.closed == 1 and path.stat().st_size > 0


def test_without_any_way_to_the_call_audio_the_rep_is_told_why(tmp_path):
    _, grant = live_grant()
    with pytest.raises(RecorderUnavailable, match="did not let Rep Companion hear"):
        recorder(tmp_path, FarEnd(refuse=True)).open_capture(grant)


def test_wasapi_frames_become_the_recorders_48k_mono():
    convert = to_call_format(CallAudioFormat(44_100, 2))
    block = np.zeros((4410, 2), dtype=np.int16)
    block[:, 0], block[:, 1] = 1000, 3000
    out = b"".join(convert(block.tobytes()) for _ in range(10))  # one second
    mono = np.frombuffer(out, dtype=np.int16)
    assert abs(len(mono) - SAMPLE_RATE) < 0.02 * SAMPLE_RATE  # the resampler's latency
    assert abs(int(mono[len(mono) // 2]) - 2000) <= 2  # both channels, averaged
    assert to_call_format(CallAudioFormat(SAMPLE_RATE, 1))(b"\x01\x00") == b"\x01\x00"
