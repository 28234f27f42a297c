"""Real audio: tones played into PulseAudio's null sinks, captured through PortAudio.

The mic side hears `micsink`, the far end is the monitor of `spk`. Each test
decodes what the recorder stored and checks which tones are in it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from peers.sounds import FAR_END, MIC, band_energy, dominant, play, tone
from sqlalchemy import select

from companion.app.calls.service import CallRequest
from companion.app.compose import build_context
from companion.core.calls.session import CallState
from companion.edges.audio.decode import decode_segment
from companion.edges.store.models import RecordingSegmentRecord

pytestmark = pytest.mark.usefixtures("secret_service", "pulse_testbed")


@pytest.fixture
def context(companion_home):
    ctx = build_context()
    yield ctx
    if ctx.calls.current is not None and ctx.calls.current.state is not CallState.ENDED:
        ctx.calls.end_call()


def segments(ctx):
    with ctx.store() as db:
        rows = db.scalars(select(RecordingSegmentRecord).order_by(RecordingSegmentRecord.id)).all()
    key = ctx.audio_keys.master_key()
    return rows, [decode_segment(Path(r.path), key) for r in rows]


def test_only_sound_after_consent_is_recorded_on_both_sides(context, tmp_path):
    calls = context.calls
    calls.start_call(CallRequest("Acme", "discovery", "DE"))
    play(MIC, tone(tmp_path, 660, 1.0))  # while asking: must not be captured
    calls.mark_consent()
    assert calls.current.state is CallState.RECORDING
    play(MIC, tone(tmp_path, 1000, 2.0))
    play(FAR_END, tone(tmp_path, 440, 2.0))
    calls.end_call()
    rows, decoded = segments(context)
    assert [r.state for r in rows] == ["complete"]
    audio = decoded[0]
    assert audio.complete and 3.5 < audio.seconds < 6.0
    mic, far = audio.frames[:, 0], audio.frames[:, 1]
    assert abs(dominant(mic, audio.rate) - 1000) < 5
    assert abs(dominant(far, audio.rate) - 440) < 5
    assert band_energy(mic, audio.rate, 660) < 0.001
    assert band_energy(mic, audio.rate, 1000) > 0.5
    assert band_energy(far, audio.rate, 440) > 0.5


def test_nothing_is_recorded_during_a_pause(context, tmp_path):
    calls = context.calls
    calls.start_call(CallRequest("Acme", "demo", "GB"))
    calls.mark_consent()
    play(MIC, tone(tmp_path, 1000, 1.0))
    calls.pause()
    play(MIC, tone(tmp_path, 660, 1.0))
    calls.resume()
    assert calls.current.state is CallState.RECORDING
    play(MIC, tone(tmp_path, 800, 1.0))
    calls.end_call()
    _rows, decoded = segments(context)
    assert len(decoded) == 2
    first, second = (d.frames[:, 0] for d in decoded)
    assert band_energy(first, 48_000, 1000) > 0.5
    assert band_energy(second, 48_000, 800) > 0.5
    for side in (first, second):
        assert band_energy(side, 48_000, 660) < 0.001


def test_after_withdrawal_nothing_more_is_captured_and_kept_audio_is_clean(context, tmp_path):
    policy = context.paths.policy_override
    from companion.edges.policy.files import default_policy_path

    policy.write_text(
        default_policy_path()
        .read_text(encoding="utf-8")
        .replace('on_withdrawal = "discard"', 'on_withdrawal = "keep"'),
        encoding="utf-8",
    )
    calls = context.calls
    calls.start_call(CallRequest("Acme", "demo", "FR"))
    calls.mark_consent()
    play(FAR_END, tone(tmp_path, 440, 1.0))
    calls.withdraw_consent()
    assert calls.current.state is CallState.STOPPED
    play(FAR_END, tone(tmp_path, 660, 1.0))
    calls.end_call()
    rows, decoded = segments(context)
    assert [r.state for r in rows] == ["complete"]
    far = decoded[0].frames[:, 1]
    assert band_energy(far, 48_000, 440) > 0.5
    assert band_energy(far, 48_000, 660) < 0.001


def test_withdrawal_under_the_default_policy_deletes_the_audio(context, tmp_path):
    calls = context.calls
    calls.start_call(CallRequest("Acme", "demo", "FR"))
    calls.mark_consent()
    play(MIC, tone(tmp_path, 1000, 0.5))
    calls.withdraw_consent()
    with context.store() as db:
        rows = db.scalars(select(RecordingSegmentRecord)).all()
    assert [r.state for r in rows] == ["discarded"]
    assert not list(context.paths.recordings_dir.rglob("*.rca"))


def test_no_file_holds_decodable_audio_without_the_key(context, tmp_path):
    calls = context.calls
    calls.start_call(CallRequest("Acme", "demo", "DE"))
    calls.mark_consent()
    play(MIC, tone(tmp_path, 1000, 1.5))
    calls.end_call()
    files = [p for p in context.paths.data_dir.rglob("*") if p.is_file()]
    assert any(p.suffix == ".rca" for p in files)
    for path in files:
        data = path.read_bytes()
        for signature in (b"OggS", b"OpusHead", b"OpusTags", b"RIFF", b"fLaC"):
            assert signature not in data, f"{path} holds {signature!r}"


def test_the_consent_click_does_not_wait_for_the_keyring(context, tmp_path, monkeypatch):
    """The recording key is read while the script is shown; the click only starts capture."""
    from keyring.backends.SecretService import Keyring

    reads: list[str] = []
    real_get = Keyring.get_password

    def counting_get(self, service, username):
        reads.append(username)
        return real_get(self, service, username)

    monkeypatch.setattr(Keyring, "get_password", counting_get)
    calls = context.calls
    calls.start_call(CallRequest("Acme", "demo", "DE"))
    at_start = len(reads)
    assert at_start >= 1  # read at call start, before anyone consented
    calls.mark_consent()
    assert calls.current.state is CallState.RECORDING
    assert len(reads) == at_start  # the click itself touched no keyring
    play(MIC, tone(tmp_path, 1000, 1.0))
    calls.pause()
    calls.resume()  # the key is not kept across a pause: read again
    assert len(reads) == at_start + 1
    calls.end_call()
    _rows, decoded = segments(context)
    assert band_energy(decoded[0].frames[:, 0], 48_000, 1000) > 0.5
