"""What the call service needs from a recorder: open only with a grant, close always.

`NullRecorder` is the recorder of a machine or a run without audio capture: every call
goes on notes-only, and the rep is told why.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from companion.core.calls.grant import CaptureGrant
from companion.core.errors import UserFacingError

NO_RECORDER = "Audio capture is not available in this version; notes only."


class RecorderUnavailable(UserFacingError):
    """Capture cannot start (no device, locked keyring, full disk); the message says why."""


@dataclass(frozen=True)
class SegmentSummary:
    """One continuous stretch of recording, from a grant to its pause or stop."""

    path: Path
    frames: int
    overflows: int
    sides: tuple[str, ...]


@dataclass(frozen=True)
class RecorderStatus:
    recording: bool
    seconds: float
    levels_dbfs: tuple[float, float]  # mic, far end
    silent_for: float  # both sides quiet for this long
    quiet_for: tuple[float, float]  # each side (mic, far end) quiet for this long
    lost_sides: tuple[str, ...]
    overflows: int
    error: str | None
    # Sides the sound server moved off their device (unplugged): (side, now recording
    # from this source's description, or None when the stream ended).
    rerouted: tuple[tuple[str, str | None], ...] = ()


IDLE_STATUS = RecorderStatus(False, 0.0, (-120.0, -120.0), 0.0, (0.0, 0.0), (), 0, None)


class Recorder(Protocol):
    def prepare(self) -> str | None:
        """Get ready ahead of consent (devices, key); must not open any stream.

        Returns why capture cannot work on this computer right now (no input device, a
        locked keyring), said before the customer is asked; None when it can.
        """

    def open_capture(self, grant: CaptureGrant) -> Path:
        """Open the input streams; raise RecorderUnavailable with the reason if impossible."""

    def stop(self) -> SegmentSummary | None:
        """Close the streams and finish the segment; safe to call when not started."""

    def status(self) -> RecorderStatus:
        """Levels, length and trouble, read by the GUI's timer."""


class NullRecorder:
    """No capture at all: nothing to prepare, every start refused, nothing to stop."""

    def prepare(self) -> str | None:
        return None  # nothing to check; start() says it cannot record

    def open_capture(self, grant: CaptureGrant) -> Path:
        raise RecorderUnavailable(NO_RECORDER)

    def stop(self) -> SegmentSummary | None:
        return None

    def status(self) -> RecorderStatus:
        return IDLE_STATUS
