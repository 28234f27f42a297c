"""Policy limits and machine trouble turned into stop reasons and warnings."""

from __future__ import annotations

from companion.core.calls.limits import judge
from companion.core.calls.recorder import IDLE_STATUS, RecorderStatus
from companion.core.policy.model import RecordingLimits, WithdrawalAction

LIMITS = RecordingLimits(
    max_minutes=60, silence_auto_stop_minutes=5, on_withdrawal=WithdrawalAction.DISCARD
)


def status(seconds=10.0, silent_for=0.0, lost=(), error=None) -> RecorderStatus:
    return RecorderStatus(True, seconds, (-20.0, -20.0), silent_for, (0.0, 0.0), lost, 0, error)


def test_a_healthy_recording_goes_on():
    assert judge(status(), LIMITS, 0.0).stop_reason is None


def test_maximum_length_counts_earlier_segments_too():
    assert judge(status(seconds=1800), LIMITS, 1799).stop_reason is None
    verdict = judge(status(seconds=1800), LIMITS, 1800)
    assert verdict.stop_reason == "the policy's maximum length (60 min) was reached"


def test_long_silence_stops():
    assert judge(status(silent_for=299), LIMITS, 0).stop_reason is None
    assert "silence auto-stop" in judge(status(silent_for=300), LIMITS, 0).stop_reason


def test_a_write_error_stops_with_its_reason():
    verdict = judge(status(error="cannot write the recording: No space left on device"), LIMITS, 0)
    assert verdict.stop_reason == "cannot write the recording: No space left on device"


def test_a_lost_side_warns_but_does_not_stop():
    verdict = judge(status(lost=("mic",)), LIMITS, 0)
    assert verdict.stop_reason is None
    assert verdict.warnings[0].startswith("the microphone stopped delivering sound")


def test_nothing_to_judge_when_not_recording():
    assert judge(IDLE_STATUS, LIMITS, 10_000) == judge(IDLE_STATUS, LIMITS, 0)
    assert judge(IDLE_STATUS, LIMITS, 10_000).stop_reason is None
