"""A headset unplugged mid-call: the rep is told, and the other side keeps recording.

PulseAudio does not end a capture stream whose source disappears: it moves it to
another source. Unloading the testbed's `virtmic` (the rep's microphone) is what
pulling a USB headset does to the sound server.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from peers.sounds import FAR_END, band_energy, dominant, play, tone
from sqlalchemy import select

from companion.app.calls.service import CallRequest
from companion.app.compose import build_context
from companion.edges.audio.decode import decode_segment
from companion.edges.store.models import RecordingSegmentRecord

VIRTMIC = (
    "module-remap-source",
    "master=micsink.monitor",
    "source_name=virtmic",
    "source_properties=device.description=VirtualMic",
)


def _module_index(pulse, name: str) -> str:
    for line in pulse.pactl("list", "short", "modules").splitlines():
        if name in line and "virtmic" in line:
            return line.split()[0]
    raise AssertionError(f"{name} is not loaded")


@pytest.fixture
def unpluggable_mic(pulse_testbed):
    yield pulse_testbed
    if "virtmic" not in pulse_testbed.pactl("list", "short", "sources"):
        pulse_testbed.pactl("load-module", *VIRTMIC)  # plugged back in for the next tests
        pulse_testbed.pactl("set-default-source", "virtmic")


@pytest.mark.usefixtures("secret_service")
def test_an_unplugged_microphone_is_reported_and_the_call_audio_keeps_recording(
    unpluggable_mic, companion_home, tmp_path
):
    context = build_context()
    calls = context.calls
    calls.start_call(CallRequest("Acme", "discovery", "DE"))
    calls.mark_consent()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and calls.tick().seconds < 0.5:  # both sides flowing
        time.sleep(0.05)
    assert not [m for m in context.messages.history if m.title == "Check your audio"]

    unpluggable_mic.pactl("unload-module", _module_index(unpluggable_mic, "module-remap-source"))
    play(FAR_END, tone(tmp_path, 440, 2.0))
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not calls.tick().rerouted:
        time.sleep(0.1)
    warnings = [m.text for m in context.messages.history if m.title == "Check your audio"]
    assert len(warnings) == 1 and warnings[0].startswith("the microphone device was disconnected")
    assert calls.recorder_status().recording
    calls.end_call()

    with context.store() as db:
        row = db.scalars(select(RecordingSegmentRecord)).one()
    audio = decode_segment(Path(row.path), context.audio_keys.master_key())
    far = audio.frames[:, 1]
    assert audio.seconds > 2.0  # the recording went on through and after the unplug
    assert abs(dominant(far, audio.rate) - 440) < 5 and band_energy(far, audio.rate, 440) > 0.5
