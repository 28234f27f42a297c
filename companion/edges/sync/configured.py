"""The sync target a profile's settings name: S3 when they name a bucket, else a folder.

Shared by the rep's companion and the desk, which both open the store from a profile.
"""

from __future__ import annotations

from pathlib import Path

from companion.edges.secrets import SecretStore
from companion.edges.settings import Settings
from companion.edges.sync.targets import SyncTarget


def target_from_settings(settings: Settings, secrets: SecretStore, outbox: Path) -> SyncTarget:
    """S3 when `settings` name a bucket, else their folder, else `outbox` (made if absent)."""
    from companion.edges.sync.folder_target import FolderTarget

    if settings.s3_bucket:  # the S3 code loads only for an S3 target
        from companion.edges.sync.s3_connection import credentials_from_secrets
        from companion.edges.sync.s3_target import S3Target

        return S3Target(
            settings.s3_bucket,
            settings.s3_endpoint,
            settings.s3_region or "us-east-1",
            credentials_from_secrets(secrets),
        )
    if settings.sync_folder:
        return FolderTarget(Path(settings.sync_folder))
    return FolderTarget(outbox, create=True)
