"""Device choice in Settings is remembered and used by the next recording."""

from __future__ import annotations

import pytest
from peers.sounds import FAR_END, MIC, band_energy, play, tone

from companion.app.calls.service import CallRequest
from companion.app.compose import build_context
from companion.edges.audio.decode import decode_segment
from companion.ui.settings.settings_window import AUTOMATIC, SettingsWindow

pytestmark = pytest.mark.usefixtures("secret_service", "pulse_testbed")


def test_choosing_sources_is_remembered_and_recorded(qtbot, tmp_path):
    context = build_context()
    window = SettingsWindow(context.paths, "rep", "policy.toml", context.settings)
    qtbot.addWidget(window)
    mics = [window.mic.itemText(i) for i in range(window.mic.count())]
    assert mics[0] == AUTOMATIC and "VirtualMic" in mics  # what a person reads, not "virtmic"
    fars = [window.far_end.itemText(i) for i in range(window.far_end.count())]
    assert "Monitor of Speakers" in fars
    # A silent "microphone" and the mic sink's monitor as call audio: the recording
    # must follow these choices, not the system defaults (virtmic, spk.monitor).
    window.mic.setCurrentIndex(window.mic.findData("silence"))
    window.far_end.setCurrentIndex(window.far_end.findData("micsink.monitor"))
    assert context.settings.load().mic_source == "silence"
    reopened = SettingsWindow(context.paths, "rep", "policy.toml", context.settings)
    qtbot.addWidget(reopened)
    assert reopened.far_end.currentData() == "micsink.monitor"

    context.calls.start_call(CallRequest("Acme", "demo", "DE"))
    context.calls.mark_consent()
    play(FAR_END, tone(tmp_path, 440, 1.0))
    play(MIC, tone(tmp_path, 1000, 1.0))
    context.calls.end_call()
    segment = next(context.paths.recordings_dir.rglob("*.rca"))
    audio = decode_segment(segment, context.audio_keys.master_key())
    left, right = (audio.frames[:, i].astype(float) for i in (0, 1))
    # Left is the silent source: only the codec's faint stereo leakage (< -40 dB).
    assert (left**2).mean() < 1e-4 * (right**2).mean()
    assert band_energy(audio.frames[:, 1], audio.rate, 1000) > 0.5
    assert band_energy(audio.frames[:, 1], audio.rate, 440) < 0.01
