"""The sync target in force, and who chose it.

Highest first: a managed setting (the organisation's IT, in
`/etc/rep-companion/managed.toml`: `edges.managed`), the signed policy's `[sync.target]`, then the
profile's own settings, only when neither names one. No target is "not set up": there
is no fallback folder on the rep's own disk, because a copy there is not delivered.

Shared by the rep's companion and the desk, which both open the store from a profile.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from companion.core.policy.model import SyncTargetRules
from companion.edges.secrets import SecretStore
from companion.edges.settings import Settings
from companion.edges.sync.targets import SyncTarget

NO_TARGET = "Sync is not set up: no folder or bucket to deliver calls to"


class ChosenBy(StrEnum):
    MANAGED = "managed"  # the computer's administrator
    POLICY = "policy"  # the organisation's signed policy
    SETTINGS = "settings"  # the rep (or the desk's operator) in Settings


@dataclass(frozen=True)
class TargetChoice:
    """Where calls go (`rules`), and who said so (`chosen_by`)."""

    rules: SyncTargetRules
    chosen_by: ChosenBy

    @property
    def by_organisation(self) -> bool:
        return self.chosen_by is not ChosenBy.SETTINGS

    def words(self) -> str:
        where = self.rules.folder or f"S3 bucket {self.rules.bucket}"
        if self.chosen_by is ChosenBy.MANAGED:  # IT's, on this computer (`edges.managed`)
            return f"{where} (managed by your organisation)"
        return where if not self.by_organisation else f"{where} (set by your organisation)"


def choose_target(
    settings: Settings,
    organisation: SyncTargetRules | None,
    managed: SyncTargetRules | None = None,
) -> TargetChoice | None:
    """The target in force: managed, else the policy's, else Settings'; None: not set up."""
    if managed is not None:
        return TargetChoice(managed, ChosenBy.MANAGED)
    if organisation is not None:
        return TargetChoice(organisation, ChosenBy.POLICY)
    if settings.s3_bucket:
        own = SyncTargetRules(
            bucket=settings.s3_bucket,
            endpoint=settings.s3_endpoint or None,
            region=settings.s3_region or None,
        )
        return TargetChoice(own, ChosenBy.SETTINGS)
    if settings.sync_folder:
        return TargetChoice(SyncTargetRules(folder=settings.sync_folder), ChosenBy.SETTINGS)
    return None


def open_target(rules: SyncTargetRules, secrets: SecretStore) -> SyncTarget:
    """The target `rules` name; a folder must exist (a share that is absent is offline)."""
    if rules.bucket:  # the S3 code loads only for an S3 target
        from companion.edges.sync.s3_connection import credentials_from_secrets
        from companion.edges.sync.s3_target import S3Target

        return S3Target(
            rules.bucket,
            rules.endpoint,
            rules.region or "us-east-1",
            credentials_from_secrets(secrets),
        )
    from companion.edges.sync.folder_target import FolderTarget

    assert rules.folder is not None  # SyncTargetRules holds one or the other
    return FolderTarget(Path(rules.folder).expanduser())


def target_from_settings(
    settings: Settings,
    secrets: SecretStore,
    organisation: SyncTargetRules | None = None,
    managed: SyncTargetRules | None = None,
) -> SyncTarget | None:
    """The target in force (see `choose_target`), opened; None when none is set up."""
    choice = choose_target(settings, organisation, managed)
    return open_target(choice.rules, secrets) if choice else None
