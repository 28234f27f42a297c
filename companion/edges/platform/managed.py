"""What IT pushed to this laptop, as the schema names it; the Linux reader (/etc).

Each OS reader returns `ManagedValues`: only the schema's keys, each of its kind, so a
typo in a registry value or a profile is refused like one in the TOML file. Nothing
managed reads as empty values, never as an error.

The Linux reader is thin on purpose: it reads `<system config>/managed.toml` (the
`[sync]` and `[identity]` tables), `organisation-keys/*.pem` and `policy.toml`, the names
`edges/managed.py` and `edges/policy/trust.py` use; at merge it is to be pointed at those
loaders (they also check the files are root's alone).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from companion.core.errors import UserFacingError
from companion.edges.platform.managed_schema import SETTINGS, ManagedSetting
from companion.edges.platform.pem import as_pem

SYSTEM_CONFIG_VARIABLE = "COMPANION_SYSTEM_CONFIG"
ManagedValue = str | tuple[str, ...]


class ManagedSettingsError(UserFacingError):
    """IT's settings are there but cannot be used: the app does not guess."""


@dataclass(frozen=True)
class ManagedValues:
    origin: str  # where they came from, for doctor and Settings
    values: Mapping[str, ManagedValue] = field(default_factory=dict)

    def text(self, key: str) -> str | None:
        value = self.values.get(key)
        return value if isinstance(value, str) else None

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.values.get(key, ())
        return value if isinstance(value, tuple) else (value,)

    @property
    def managed(self) -> bool:
        return bool(self.values)


class ManagedSettingsReader(Protocol):
    def read(self) -> ManagedValues: ...


def checked(origin: str, raw: Mapping[str, object], fix: str) -> ManagedValues:
    """Keep the schema's keys with values of their kind; refuse anything else."""
    known = {s.key: s for s in SETTINGS}
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise ManagedSettingsError(f"{origin}: unknown setting(s) {', '.join(unknown)}", fix)
    values: dict[str, ManagedValue] = {}
    for key, value in raw.items():
        values[key] = _of_kind(known[key], value, origin, fix)
    if values.get("SyncFolder") and values.get("SyncBucket"):
        raise ManagedSettingsError(f"{origin}: set SyncFolder or SyncBucket, not both", fix)
    return ManagedValues(origin, values)


def _of_kind(setting: ManagedSetting, value: object, origin: str, fix: str) -> ManagedValue:
    if setting.kind == "text_list":
        items = (value,) if isinstance(value, str) else value
        if isinstance(items, list | tuple) and all(isinstance(i, str) and i for i in items):
            return tuple(str(i) for i in items)
    elif (
        isinstance(value, str)
        and value.strip()
        and (setting.kind == "text" or value in setting.choices)
    ):
        return value.strip()
    raise ManagedSettingsError(f"{origin}: {setting.key} has an unusable value {value!r}", fix)


def system_config_dir(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    override = env.get(SYSTEM_CONFIG_VARIABLE)
    return Path(override) if override else Path("/etc/rep-companion")


class EtcManagedSettings:
    """Linux: `/etc/rep-companion/` (or `COMPANION_SYSTEM_CONFIG`)."""

    FIX = "Ask IT to correct the files in /etc/rep-companion/ (see docs/windows-macos.md)."

    def __init__(self, folder: Path) -> None:
        self._folder = folder

    def read(self) -> ManagedValues:
        raw: dict[str, object] = {}
        toml_names = {s.toml: s.key for s in SETTINGS if "." in s.toml and "/" not in s.toml}
        settings_file = self._folder / "managed.toml"
        if settings_file.is_file():
            try:
                tables = tomllib.loads(settings_file.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
                raise ManagedSettingsError(f"{settings_file}: {error}", self.FIX) from error
            for section, table in tables.items():
                for name, value in table.items() if isinstance(table, dict) else []:
                    key = toml_names.get(f"{section}.{name}", f"{section}.{name}")
                    raw[key] = value
        keys = sorted((self._folder / "organisation-keys").glob("*.pem"))
        if keys:
            raw["OrganisationKeys"] = as_pem([k.read_text(encoding="ascii") for k in keys])
        if (self._folder / "policy.toml").is_file():
            raw["PolicyLocation"] = str(self._folder / "policy.toml")
        return checked(str(self._folder), raw, self.FIX)
