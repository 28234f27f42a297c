"""What a sync pass needs of the rep's profile, declared here so sync needs no wiring.

`companion.app.compose.AppContext` has all of it; the sync room names only what it uses,
so it depends on nothing above it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from companion.core.policy.active import ActivePolicy
from companion.edges.audio.container.keys import AudioKeys
from companion.edges.managed import ManagedSettings
from companion.edges.paths import AppPaths
from companion.edges.secrets import SecretStore
from companion.edges.settings import SettingsFile


class SyncProfile(Protocol):
    """The profile a pass works on: its folders, store, keys, settings and policy."""

    @property
    def paths(self) -> AppPaths: ...

    @property
    def store(self) -> sessionmaker[Session]: ...

    @property
    def rep(self) -> str: ...

    @property
    def audio_keys(self) -> AudioKeys: ...

    @property
    def settings(self) -> SettingsFile: ...

    @property
    def secrets(self) -> SecretStore: ...

    @property
    def managed(self) -> ManagedSettings: ...

    @property
    def clock(self) -> Callable[[], datetime]: ...

    def active_policy(self) -> ActivePolicy: ...
