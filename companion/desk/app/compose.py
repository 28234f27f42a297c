"""The desk on a profile: its folders, settings, keyring, audit store and policy.

The desk opens a profile of its own with the edges directly; it shares nothing of the
rep's app but the core and the edges (see `companion/desk/__init__.py`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from companion.core.errors import UserFacingError
from companion.core.policy.active import ActivePolicy
from companion.desk.app.keys import desk_keys
from companion.desk.app.service import ReviewDesk
from companion.edges.logs import configure_logging
from companion.edges.paths import AppPaths
from companion.edges.policy.files import load_active_policy
from companion.edges.secrets import SecretStore
from companion.edges.settings import SettingsFile
from companion.edges.store.database import open_store
from companion.edges.sync.configured import target_from_settings
from companion.edges.sync.org_store import OrgStore, org_store_for


@dataclass
class DeskProfile:
    """What the desk's verbs work with: one profile's folders, settings, keyring and store."""

    paths: AppPaths
    settings: SettingsFile
    secrets: SecretStore
    store: sessionmaker[Session]
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def active_policy(self) -> ActivePolicy:
        return load_active_policy(self.paths)

    def org_store(self) -> OrgStore:
        """The organisation's store: the policy's target, else the profile's settings'."""
        policy = self.active_policy().policy
        organisation = policy.sync.target if policy else None
        target = target_from_settings(self.settings.load(), self.secrets, organisation)
        if target is None:
            raise UserFacingError(
                "The desk has no organisation store to read from.",
                "Name the folder or bucket in the policy's [sync.target] (or this "
                "profile's settings).",
            )
        return org_store_for(target)


def open_profile(
    paths: AppPaths | None = None,
    *,
    secrets: SecretStore | None = None,
    clock: Callable[[], datetime] | None = None,
) -> DeskProfile:
    paths = paths or AppPaths.from_environment()
    paths.ensure()
    configure_logging(paths.log_file, logging.INFO)
    return DeskProfile(
        paths,
        SettingsFile(paths.settings_file),
        secrets or SecretStore(),
        open_store(paths.database),
        clock or (lambda: datetime.now(UTC)),
    )


def open_desk(profile: DeskProfile) -> ReviewDesk:
    policy = profile.active_policy().policy
    if policy is None:
        raise UserFacingError(
            "The desk has no usable policy, so nothing can be opened.",
            "Put the organisation's signed policy in this profile's config folder.",
        )
    return ReviewDesk(profile.org_store(), policy, desk_keys(profile.secrets), profile.clock)
