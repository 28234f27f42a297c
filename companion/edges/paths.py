"""Where the app keeps its files: platform dirs, or one folder named by COMPANION_HOME.

COMPANION_HOME gives tests and separate profiles (e.g. a demo profile) their own
database, logs and settings without touching the rep's real ones. The organisation's
trust anchor lives apart, in a system folder only root can change (`system_config_dir`).
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

APP_NAME = "RepCompanion"
HOME_VARIABLE = "COMPANION_HOME"
SYSTEM_CONFIG_VARIABLE = "COMPANION_SYSTEM_CONFIG"


def system_config_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where IT installs the organisation's trust anchor (keys, managed policy) as root.

    `COMPANION_SYSTEM_CONFIG` points elsewhere (tests use a temporary folder).
    """
    env = os.environ if environ is None else environ
    override = env.get(SYSTEM_CONFIG_VARIABLE)
    if override:
        return Path(override).expanduser()
    if sys.platform == "win32":
        return Path(env.get("PROGRAMDATA", r"C:\ProgramData")) / APP_NAME
    if sys.platform == "darwin":
        return Path("/Library/Application Support") / APP_NAME
    return Path("/etc/rep-companion")


@dataclass(frozen=True)
class AppPaths:
    data_dir: Path
    config_dir: Path
    log_dir: Path
    # The organisation's root-owned folder: keys and managed policy (see `policy.trust`).
    system_config: Path = field(default_factory=system_config_dir)

    @classmethod
    def from_environment(cls, environ: dict[str, str] | None = None) -> AppPaths:
        env = os.environ if environ is None else environ
        home = env.get(HOME_VARIABLE)
        if home:
            root = Path(home).expanduser()
            return cls(root / "data", root / "config", root / "logs", system_config_dir(env))
        return cls(
            Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
            Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
            Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
            system_config_dir(env),
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
    def policy_state(self) -> Path:
        """What the app remembers about policies (highest version seen, a key was given):
        kept apart from the replaceable policy file, never deleted by the app."""
        return self.data_dir / "policy-state.json"

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


def model_cache_dir() -> Path:
    """Where the bundled speech model is assembled once: shared by every profile (it holds
    no one's data, and each file is checked against its sha256 at every load)."""
    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)) / "models"
