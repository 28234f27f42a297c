"""The mixer between capture and encoder: no sample lost, reordered or put on the wrong side."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from companion.edges.audio.mixer import MAX_LAG_FRAMES, SILENCE_DBFS, StereoMixer, block_dbfs

RATE = 48_000


def tone(frequency: float, frames: int, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(frames) / RATE
    return (np.sin(2 * np.pi * frequency * t) * amplitude * 32767).astype(np.int16)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from([0, 1]), st.integers(1, 3_000), st.booleans()),
        min_size=1,
        max_size=40,
    )
)
def test_every_sample_comes_out_once_on_its_own_side(steps):
    mixer = StereoMixer()
    sent: list[list[np.ndarray]] = [[], []]
    taken = []
    counter = [0, 0]
    for side, frames, take_now in steps:
        # Real samples are never 0 (only padding is) and the sides have opposite signs:
        # any loss, reordering or mix-up of sides shows.
        values = np.arange(counter[side], counter[side] + frames) % 30_000 + 1
        block = (values if side == 0 else -values).astype(np.int16)
        counter[side] += frames
        sent[side].append(block)
        mixer.add(side, block.tobytes(), 0.0)
        if take_now:
            ready = mixer.ready_frames()
            out = mixer.take()
            assert len(out) == ready
            taken.append(out)
    taken.append(mixer.take(flush_all=True))
    stereo = np.concatenate(taken)
    for side in (0, 1):
        expected = np.concatenate(sent[side]) if sent[side] else np.zeros(0, np.int16)
        got = stereo[:, side]
        if mixer.active[side]:
            # Padding (silence) only where this side lagged; its own samples all, in order.
            assert np.array_equal(got[got != 0], expected)
        else:
            assert not got.any()


def test_a_stalled_side_does_not_hold_the_other_back():
    mixer = StereoMixer()
    mixer.add(0, tone(1000, 960).tobytes(), 0.0)
    mixer.add(1, tone(440, 960).tobytes(), 0.0)
    assert len(mixer.take()) == 960
    # The far end stops delivering (device unplugged); the mic goes on for 2 s.
    for _ in range(50):
        mixer.add(0, tone(1000, 1_920).tobytes(), 0.0)
    out = mixer.take()
    assert len(out) == 50 * 1_920 - MAX_LAG_FRAMES  # at most MAX_LAG_FRAMES held back
    assert out[:, 0].any() and not out[:, 1].any()  # the far end is padded with silence


def test_levels_tell_sound_from_silence():
    mixer = StereoMixer()
    mixer.add(0, tone(1000, 1_920, amplitude=0.5).tobytes(), 10.0)
    mixer.add(1, np.zeros(1_920, np.int16).tobytes(), 10.0)
    assert abs(mixer.levels[0].dbfs - (-9.03)) < 0.1  # a 0.5 sine: -6 dB peak, -9 dB RMS
    assert mixer.levels[0].last_sound_at == 10.0
    assert mixer.levels[1].dbfs == -120.0
    assert mixer.levels[1].last_sound_at != 10.0
    assert block_dbfs(tone(440, 1_920, amplitude=0.001)) < SILENCE_DBFS
