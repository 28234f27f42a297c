"""Checks a recording against the policy's limits and the machine's health.

Called from the GUI's timer (and from tests directly) so no audio or writer
thread ever calls back into the service.
"""

from __future__ import annotations

from dataclasses import dataclass

from companion.core.calls.recorder import RecorderStatus
from companion.core.policy.model import RecordingLimits

SILENT_SIDE_WARNING_SECONDS = 30.0


@dataclass(frozen=True)
class Verdict:
    stop_reason: str | None = None
    warnings: tuple[str, ...] = ()


def judge(status: RecorderStatus, limits: RecordingLimits, earlier_seconds: float) -> Verdict:
    if not status.recording:
        return Verdict()
    if status.error:
        return Verdict(stop_reason=status.error)
    total = earlier_seconds + status.seconds
    if total >= limits.max_minutes * 60:
        return Verdict(
            stop_reason=f"the policy's maximum length ({limits.max_minutes} min) was reached"
        )
    if status.silent_for >= limits.silence_auto_stop_minutes * 60:
        minutes = limits.silence_auto_stop_minutes
        return Verdict(stop_reason=f"nothing was heard for {minutes} min (silence auto-stop)")
    lost = tuple(
        f"the {_side_name(side)} stopped delivering sound "
        "(unplugged?); recording goes on with the other side"
        for side in status.lost_sides
    )
    rerouted = tuple(
        f"the {_side_name(side)} device was disconnected; "
        + (
            f"the system switched it to {now_on!r} and recording goes on"
            if now_on
            else "recording goes on with the other side"
        )
        for side, now_on in status.rerouted
        if side not in status.lost_sides
    )
    return Verdict(warnings=lost + rerouted)


def _side_name(side: str) -> str:
    return "microphone" if side == "mic" else "call audio"
