"""Checks a recording against the policy's limits and the machine's health.

Called from the GUI's timer (and from tests directly) so no audio or writer
thread ever calls back into the service.
"""

from __future__ import annotations

from dataclasses import dataclass

from companion.core.calls.recorder import RecorderStatus
from companion.core.policy.model import RecordingLimits

SILENT_SIDE_WARNING_SECONDS = 30.0
MB = 1024 * 1024
# Both sides as Opus in the sealed container: 14.6 MB/h measured (tests/bench), with room.
BYTES_PER_RECORDED_SECOND = 4_500
# What the store needs after capture stops: closing rows, audit entries, notes, the WAL.
STORE_HEADROOM_BYTES = 8 * MB
# Below this much free space capture stops, so the closing writes still fit.
LOW_WATERMARK_BYTES = 4 * MB


def disk_needed(limits: RecordingLimits) -> int:
    """Free bytes a call of the policy's maximum length needs, store headroom included."""
    return limits.max_minutes * 60 * BYTES_PER_RECORDED_SECOND + STORE_HEADROOM_BYTES


def disk_shortfall(free_bytes: int, limits: RecordingLimits) -> str | None:
    """Why recording must not start on this disk (said before consent is asked), or None."""
    needed = disk_needed(limits)
    if free_bytes >= needed:
        return None
    return (
        f"Not enough free disk space to record: {_mb(free_bytes)} free, {_mb(needed)} needed "
        f"for a call of up to {limits.max_minutes} min. Free some space and start the next "
        "call again; notes work."
    )


def _mb(size: int) -> str:
    return f"{size / MB:.0f} MB" if size >= 10 * MB else f"{size / MB:.1f} MB"


@dataclass(frozen=True)
class Verdict:
    stop_reason: str | None = None
    warnings: tuple[str, ...] = ()


def judge(
    status: RecorderStatus,
    limits: RecordingLimits,
    earlier_seconds: float,
    free_bytes: int | None = None,
) -> Verdict:
    if not status.recording:
        return Verdict()
    if status.error:
        return Verdict(stop_reason=status.error)
    if free_bytes is not None and free_bytes < LOW_WATERMARK_BYTES:
        return Verdict(
            stop_reason=f"the disk is almost full ({_mb(free_bytes)} free), so recording "
            "stopped while your notes and the call's records still fit"
        )
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
