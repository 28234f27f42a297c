"""Where a sync pass is, for the tray and the library; light, so the UI imports it at start."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SyncProgress:
    position: int  # 1-based among the calls due in this pass
    total: int
    call_id: str
    stage: str  # "uploading", "synced" or "retry later"

    def words(self) -> str:
        if self.stage == "uploading":
            return f"syncing call {self.position} of {self.total}"
        return f"{self.position} of {self.total} done"


def no_progress(_progress: SyncProgress) -> None:
    """The default listener: the command line and tests that do not watch."""
