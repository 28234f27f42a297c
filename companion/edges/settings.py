"""The rep's own choices (audio devices, window behaviour), declared once, as data.

Stored as JSON in the config folder and written atomically, so a crash while
saving never leaves half a file. Secrets never live here: they go to the keyring.
Unknown keys are refused, like the policy's (a misspelt key would otherwise do nothing).
What IT sets lives apart, in `managed.py`, and wins over these.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from companion.core.errors import UserFacingError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Settings:
    mic_source: str | None = None  # CaptureSource.key of the chosen microphone
    far_end_source: str | None = None  # CaptureSource.key of the call-audio source
    call_window_on_top: bool = False
    sync_folder: str | None = None  # a network share or synced drive; default: data/outbox
    s3_bucket: str | None = None  # credentials live in the keyring, never here
    s3_endpoint: str | None = None
    s3_region: str | None = None
    call_bar_x: int | None = None  # where the rep put the call bar
    call_bar_y: int | None = None
    detect_calls: bool = True  # notice calls by the microphone (if the policy allows)
    ignored_call_apps: tuple[str, ...] = ()  # lower-case words: apps the rep ignores
    transcription_engine: str | None = None  # None: the policy's engine
    transcription_model_dir: str | None = None  # a faster-whisper model folder
    calendar_source: str | None = None  # an ICS address or file: prefills the start dialog

    def with_changes(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]  # field names checked by replace


class SettingsError(UserFacingError):
    """The settings file could not be written, or holds what no version of it holds."""


FIX_SETTINGS = (
    "Remove the unknown lines from the file (or the file itself, to start from the "
    "defaults); settings IT manages belong in /etc/rep-companion/managed.toml."
)


class SettingsFile:
    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> Settings:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return Settings()
        except (OSError, ValueError) as error:  # unreadable: defaults, and say so in the log
            log.warning("settings at %s unreadable (%s); using defaults", self.path, error)
            return Settings()
        if not isinstance(raw, dict):
            raise SettingsError(f"{self.path} is not a settings file.", FIX_SETTINGS)
        known = {f.name for f in fields(Settings)}
        unknown = sorted(set(raw) - known)
        if unknown:  # a typo or a key from elsewhere is said, never silently ignored
            raise SettingsError(
                f"{self.path}: unknown setting(s) {', '.join(unknown)}.", FIX_SETTINGS
            )
        values = dict(raw)
        if isinstance(values.get("ignored_call_apps"), list):  # JSON has no tuples
            values["ignored_call_apps"] = tuple(values["ignored_call_apps"])
        return Settings(**values)

    def save(self, settings: Settings) -> None:
        """Write atomically; a full or read-only disk leaves the old file and says so."""
        partial = self.path.with_name(self.path.name + ".partial")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial.write_text(json.dumps(asdict(settings), indent=2), encoding="utf-8")
            os.replace(partial, self.path)
        except OSError as error:
            partial.unlink(missing_ok=True)
            raise SettingsError(
                f"{self.path}: the settings could not be saved ({error.strerror or error}).",
                "Free some disk space or check the folder's permissions, then save again.",
            ) from error
