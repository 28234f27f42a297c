"""What IT set for every rep on this laptop: `<system config>/managed.toml`, read first.

    [sync]                          where calls are delivered, one of:
    folder = "/srv/share/calls"       a folder (a mounted share), or
    bucket = "org-calls"              an S3 bucket, with
    endpoint = "https://s3.example"   its endpoint (optional: AWS) and
    region = "eu-central-1"           its region (optional)

    [identity]                      who the rep is, as the organisation knows them:
    source = "managed"                `rep` below (IT writes this file per laptop), or
    rep = "alice@example.com"         source = "login": the OS login name (small teams)

The system folder is `paths.system_config_dir` (`/etc/rep-companion/` on Linux), shared
with the organisation's keys and managed policy (`policy.trust`). Under `/etc` the file
must be root's alone, or it is refused; unknown keys are refused, like the policy's.
A managed value wins over the rep's own settings, and Settings shows it as "managed by
your organisation" without letting the rep change it.
"""

from __future__ import annotations

import os
import stat
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError, model_validator

from companion.core.errors import UserFacingError
from companion.core.policy.model import SyncTargetRules

MANAGED_FILE = "managed.toml"
MANAGED_LABEL = "managed by your organisation"
FIX_MANAGED = (
    "Ask IT to correct /etc/rep-companion/managed.toml (see docs/admin.md); "
    "until then Rep Companion does not start."
)

_Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ManagedTarget(_Strict):
    """One folder or one S3 bucket: the same shape as the policy's `[sync.target]`."""

    folder: _Text | None = None
    bucket: (
        Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")] | None
    ) = None
    endpoint: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")] | None = None
    region: _Text | None = None

    @model_validator(mode="after")
    def _one_place(self) -> Self:
        if bool(self.folder) == bool(self.bucket):
            raise ValueError("[sync] names either a 'folder' or a 'bucket'")
        if self.folder and (self.endpoint or self.region):
            raise ValueError("'endpoint' and 'region' go with a 'bucket', not a 'folder'")
        return self

    def rules(self) -> SyncTargetRules:
        """The same target as the policy's `[sync.target]` would name it."""
        return SyncTargetRules(
            folder=self.folder, bucket=self.bucket, endpoint=self.endpoint, region=self.region
        )

    def words(self) -> str:
        if self.folder:
            return f"folder {self.folder}"
        where = f" at {self.endpoint}" if self.endpoint else ""
        region = f", region {self.region}" if self.region else ""
        return f"S3 bucket {self.bucket}{where}{region}"


class ManagedIdentity(_Strict):
    source: Literal["managed", "login"]
    rep: _Text | None = None

    @model_validator(mode="after")
    def _rep_named(self) -> Self:
        if self.source == "managed" and not self.rep:
            raise ValueError('source = "managed" needs the rep\'s id: rep = "..."')
        if self.source == "login" and self.rep:
            raise ValueError("source = \"login\" takes the login name; remove 'rep'")
        return self


class _ManagedFile(_Strict):
    sync: ManagedTarget | None = None
    identity: ManagedIdentity | None = None


class ManagedSettingsError(UserFacingError):
    """IT's managed settings cannot be used: the app refuses to start rather than guess."""


@dataclass(frozen=True)
class ManagedSettings:
    """IT's settings for this laptop; all None when nothing is managed."""

    path: Path | None = None  # the file they came from
    target: ManagedTarget | None = None
    identity: ManagedIdentity | None = None

    @property
    def managed(self) -> bool:
        return self.path is not None

    def rep(self, login: str, enrolled: str | None = None) -> str:
        """The rep's id: IT's here; else the login name where IT chose it (source =
        "login"); else the id this laptop's enrolment with the desk gave; else the login."""
        if self.identity is not None and self.identity.rep:
            return self.identity.rep
        if self.identity is not None and self.identity.source == "login":
            return login
        return enrolled or login


def load_managed(system_config: Path) -> ManagedSettings:
    """`<system_config>/managed.toml`, checked; no file: nothing managed."""
    path = system_config / MANAGED_FILE
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return ManagedSettings()
    except OSError as error:
        raise ManagedSettingsError(
            f"{path} cannot be read ({error.strerror or error}).", FIX_MANAGED
        ) from error
    unsafe = _unsafe(path)
    if unsafe:
        raise ManagedSettingsError(unsafe, FIX_MANAGED)
    try:
        parsed = _ManagedFile.model_validate(tomllib.loads(raw.decode("utf-8")))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ManagedSettingsError(f"{path} is not valid TOML: {error}", FIX_MANAGED) from error
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc']) or '(file)'}: "
            + ("unknown key" if problem["type"] == "extra_forbidden" else problem["msg"])
            for problem in error.errors()
        )
        raise ManagedSettingsError(f"{path} refused: {problems}", FIX_MANAGED) from error
    return ManagedSettings(path, parsed.sync, parsed.identity)


def _unsafe(path: Path) -> str | None:
    """Under /etc the file and its folder must be root's alone (as the trust anchor)."""
    if sys.platform == "win32":
        return None
    resolved = path.resolve()
    if resolved.parts[:2] != ("/", "etc"):
        return None  # tests point COMPANION_SYSTEM_CONFIG at a temporary folder
    for each in (resolved.parent, resolved):
        info = each.stat()
        if info.st_uid != 0 or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            return (
                f"{each} can be changed by someone other than root, so the settings in it "
                "are not trusted"
            )
    if os.geteuid() != 0 and os.access(resolved, os.W_OK):
        return f"{resolved} is writable by this user, so it is not trusted"
    return None
