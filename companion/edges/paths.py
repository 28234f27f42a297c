"""Where the app keeps its files: platform dirs, or one folder named by COMPANION_HOME.

COMPANION_HOME gives tests and separate profiles (e.g. a demo profile) their own
database, logs and settings without touching the rep's real ones.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "RepCompanion"
HOME_VARIABLE = "COMPANION_HOME"


@dataclass(frozen=True)
class AppPaths:
    data_dir: Path
    config_dir: Path
    log_dir: Path

    @classmethod
    def from_environment(cls, environ: dict[str, str] | None = None) -> AppPaths:
        env = os.environ if environ is None else environ
        home = env.get(HOME_VARIABLE)
        if home:
            root = Path(home).expanduser()
            return cls(root / "data", root / "config", root / "logs")
        return cls(
            Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
            Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
            Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
        )

    @property
    def database(self) -> Path:
        return self.data_dir / "companion.db"

    @property
    def recordings_dir(self) -> Path:
        """Encrypted audio only: one folder per call, one file per segment."""
        return self.data_dir / "recordings"

    @property
    def transcripts_dir(self) -> Path:
        """Encrypted transcripts only (the audio container, under the audio master key)."""
        return self.data_dir / "transcripts"

    @property
    def log_file(self) -> Path:
        return self.log_dir / "companion.log"

    @property
    def policy_override(self) -> Path:
        """A policy the organisation placed here replaces the embedded default."""
        return self.config_dir / "policy.toml"

    @property
    def organisation_key(self) -> Path:
        """The organisation's Ed25519 public key; when present, policies must be signed."""
        return self.config_dir / "organisation-key.pem"

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.json"

    @property
    def folders(self) -> tuple[Path, Path, Path]:
        """The profile's own folders: private to the rep (see `edges/privacy.py`)."""
        return (self.data_dir, self.config_dir, self.log_dir)

    def ensure(self) -> int:
        """Make the folders, 0700; from here on the process writes private files.

        Returns how many entries of an older, more open profile were tightened.
        """
        from companion.edges.privacy import FOLDER_MODE, tighten, write_private

        write_private()
        for folder in self.folders:
            folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
        return tighten(self.folders)


def resources_dir() -> Path:
    """The shipped resources: inside the wheel, or the checkout's `resources/`."""
    package = Path(__file__).resolve().parents[1]  # companion/
    packaged = package / "_resources"
    if packaged.is_dir():
        return packaged
    return package.parent / "resources"


def free_bytes(folder: Path) -> int:
    """Free space on the disk holding `folder` (0 when it cannot be read: do not record)."""
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return 0
