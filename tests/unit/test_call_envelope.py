"""The level envelope of a call's two sides, on the call's clock, and the clock's mapping."""

from __future__ import annotations

import numpy as np

from companion.edges.audio.envelope import NOT_RECORDED, call_envelope
from companion.edges.audio.playback import CallPlayback

RATE = 48_000


def stereo(seconds: float, rep: int, customer: int) -> np.ndarray:
    frames = np.zeros((int(seconds * RATE), 2), dtype=np.int16)
    frames[::2, 0], frames[::2, 1] = rep, customer  # pulses: the peak is their size
    return frames


def test_each_side_shows_where_it_was_heard_and_gaps_stay_empty():
    # Recorded 1-3 s (the rep, loud) and 6-8 s (the customer, full scale) of a 10 s call.
    frames = np.concatenate([stereo(2, 16_384, 0), stereo(2, 0, -32_768)])
    spans = [(1_000, 2 * RATE), (6_000, 2 * RATE)]
    envelope = call_envelope(frames, RATE, spans, 10_000, bins=100)  # 100 ms a bin
    rep, customer = envelope.side(0), envelope.side(1)
    assert (rep[:10] == NOT_RECORDED).all()  # before consent
    assert np.allclose(rep[10:30], 0.5) and (customer[10:30] == 0).all()
    assert (rep[30:60] == NOT_RECORDED).all()  # paused
    assert np.allclose(customer[60:80], 1.0) and (rep[60:80] == 0).all()
    assert (customer[80:] == NOT_RECORDED).all()  # after recording stopped


def test_a_short_burst_is_kept_when_many_bins_share_a_column():
    frames = stereo(60, 0, 0)
    frames[30 * RATE : 30 * RATE + 240, 0] = 20_000  # 5 ms of sound in a minute
    envelope = call_envelope(frames, RATE, [(0, len(frames))], 60_000)
    columns = envelope.columns(300)
    assert columns.shape == (300, 2)
    assert columns[150, 0] > 0.6 and columns[:, 0].max() == columns[150, 0]
    wide = envelope.columns(5_000)  # wider than the bins: each bin repeats
    assert wide[2_500, 0] > 0.6 and wide[0, 0] == 0


def test_the_envelope_covers_audio_that_runs_past_the_stored_end():
    frames = stereo(3, 1_000, 1_000)
    envelope = call_envelope(frames, RATE, [(500, len(frames))], 2_000, bins=35)
    assert envelope.call_ms == 3_500 and (envelope.levels[5:] > 0).all()


def test_call_time_and_audio_time_map_both_ways_across_a_pause():
    playback = CallPlayback(stereo(4, 0, 0), RATE, [(1_000, 2 * RATE), (6_000, 2 * RATE)])
    assert playback.audio_seconds(2.5) == 1.5
    assert playback.audio_seconds(4.0) == 2.0  # paused: the next recorded second
    assert playback.call_seconds(1.5) == 2.5
    assert playback.call_seconds(2.5) == 6.5
    assert playback.call_seconds(4.0) == 8.0  # the end of the audio: the end of recording
    playback.seek(2.5)
    assert playback.call_position == 6.5


def test_a_short_call_has_no_holes_between_blocks():
    frames = stereo(3, 8_000, 0)[:-101]  # ends inside a 10 ms block
    envelope = call_envelope(frames, RATE, [(0, len(frames))], 3_000)  # 2000 bins asked
    assert (envelope.side(0) > 0.2).all()  # the last, partial block included
