"""The call's other side on Windows and macOS, through fakes of their OS layers.

Each side opens only with live consent, stops delivering the moment consent goes, and
turns the OS's refusal into a message the rep can act on.
"""

from __future__ import annotations

import queue

import pytest
from platform_fakes import live_grant

from companion.core.calls.grant import GrantError
from companion.edges.audio.devices import AudioUnavailable
from companion.edges.platform.call_audio_macos import (
    FIX_PERMISSION,
    TAP_NAME,
    MacCallAudio,
    TapRefused,
)
from companion.edges.platform.call_audio_windows import (
    PA_COMPLETE,
    PA_CONTINUE,
    PA_INT16,
    WasapiLoopbackAudio,
)
from companion.edges.platform.choose import call_audio_for

SPEAKERS = {
    "index": 7,
    "name": "Speakers (Realtek(R) Audio) [Loopback]",
    "defaultSampleRate": 44100.0,
    "maxInputChannels": 2,
}


class FakeStream:
    def __init__(self, log):
        self.log = log

    def start_stream(self):
        self.log.append("start")

    def stop_stream(self):
        self.log.append("stop")

    def close(self):
        self.log.append("close")


class FakePyAudio:
    def __init__(self, refuse=False):
        self.refuse, self.log, self.options = refuse, [], {}

    def get_default_wasapi_loopback(self):
        if self.refuse:
            raise OSError("No loopback device found")
        return SPEAKERS

    def open(self, **options):
        self.options = options
        return FakeStream(self.log)

    def terminate(self):
        self.log.append("terminate")


def test_wasapi_loopback_delivers_the_speakers_until_consent_goes():
    session, grant = live_grant()
    fake, blocks = FakePyAudio(), queue.SimpleQueue()
    audio = WasapiLoopbackAudio(lambda: fake)
    assert audio.find() == SPEAKERS["name"]
    layout = audio.open(grant, blocks, 1)
    assert (layout.rate, layout.channels) == (44100, 2)  # WASAPI's own format, said
    options = fake.options
    assert options["input"] and options["input_device_index"] == 7
    assert options["format"] == PA_INT16 and options["channels"] == 2
    callback = options["stream_callback"]
    stereo_40ms = b"\x01\x00" * 2 * 1764
    assert callback(stereo_40ms, 1764, None, 0) == (None, PA_CONTINUE)
    block = blocks.get_nowait()
    assert block.source == 1 and 0 < len(block.data) // 2 <= 1920  # 48 kHz mono now
    session.pause()  # consent is paused: not one more block
    assert callback(stereo_40ms, 1764, None, 0) == (None, PA_COMPLETE)
    assert blocks.empty()
    audio.close()
    assert fake.log[-3:] == ["stop", "close", "terminate"]


def test_no_consent_no_loopback_stream():
    session, grant = live_grant()
    session.withdraw()
    fake = FakePyAudio()
    with pytest.raises(GrantError):
        WasapiLoopbackAudio(lambda: fake).open(grant, queue.SimpleQueue(), 1)
    assert fake.options == {}


def test_windows_refusing_the_loopback_is_a_message_with_a_fix():
    _, grant = live_grant()
    fake = FakePyAudio(refuse=True)
    audio = WasapiLoopbackAudio(lambda: fake)
    assert audio.find() is None
    with pytest.raises(AudioUnavailable) as refused:
        audio.open(grant, queue.SimpleQueue(), 1)
    assert "No loopback" in refused.value.message and "Sound" in refused.value.fix
    assert fake.log == ["terminate", "terminate"]  # nothing left open


class FakeTaps:
    def __init__(self, supported=True, refuse=False):
        self._supported, self.refuse, self.log = supported, refuse, []

    def supported(self):
        return self._supported

    def create(self, name):
        self.log.append(("create", name))
        if self.refuse:
            raise TapRefused("AudioHardwareCreateProcessTap: status 560492391")
        return name

    def destroy(self):
        self.log.append(("destroy",))


class Opened:
    def __init__(self):
        self.sources, self.closed = [], 0

    def __call__(self, source, grant, blocks, index):
        grant.require_active()
        self.sources.append(source)
        return self

    def close(self):
        self.closed += 1


def mac(taps, loopbacks=()):
    opened = Opened()
    return MacCallAudio(taps, lambda: list(loopbacks), opened), opened


def test_macos_taps_the_output_and_removes_the_tap_after():
    _, grant = live_grant()
    taps = FakeTaps()
    audio, opened = mac(taps, ["BlackHole 2ch"])
    assert "process tap" in (audio.find() or "")
    audio.open(grant, queue.SimpleQueue(), 1)
    assert taps.log == [("create", TAP_NAME)]
    assert [s.device for s in opened.sources] == [TAP_NAME]
    audio.close()
    assert taps.log[-1] == ("destroy",) and opened.closed == 1


def test_macos_refusing_the_tap_falls_back_to_blackhole():
    _, grant = live_grant()
    audio, opened = mac(FakeTaps(refuse=True), ["BlackHole 2ch"])
    audio.open(grant, queue.SimpleQueue(), 1)
    assert [s.device for s in opened.sources] == ["BlackHole 2ch"]


def test_macos_refusing_the_tap_without_blackhole_says_what_to_allow():
    _, grant = live_grant()
    taps = FakeTaps(refuse=True)
    audio, opened = mac(taps)
    with pytest.raises(AudioUnavailable) as refused:
        audio.open(grant, queue.SimpleQueue(), 1)
    assert "560492391" in refused.value.message and refused.value.fix == FIX_PERMISSION
    assert opened.sources == [] and ("destroy",) not in taps.log


def test_macos_before_14_2_uses_a_loopback_device_and_makes_no_tap():
    _, grant = live_grant()
    taps = FakeTaps(supported=False)
    audio, opened = mac(taps, ["BlackHole 16ch"])
    assert audio.find() == "BlackHole 16ch"
    audio.open(grant, queue.SimpleQueue(), 1)
    assert taps.log == [] and [s.device for s in opened.sources] == ["BlackHole 16ch"]


def test_macos_without_consent_makes_no_tap():
    session, grant = live_grant()
    session.participant_joined("a colleague")
    taps = FakeTaps()
    audio, _ = mac(taps)
    with pytest.raises(GrantError):
        audio.open(grant, queue.SimpleQueue(), 1)
    assert taps.log == []


def test_each_os_gets_its_own_side_and_none_touches_the_os_when_made():
    assert type(call_audio_for("win32")).__name__ == "WasapiLoopbackAudio"
    assert type(call_audio_for("darwin")).__name__ == "MacCallAudio"
    assert type(call_audio_for("linux")).__name__ == "PulseMonitorAudio"
