"""The sync target in force: IT's managed one, else the one the profile's settings name.

Highest first: a managed setting (`/etc/rep-companion/managed.toml`, `edges.managed`),
then Settings: S3 when they name a bucket, else a folder, else the outbox.

Shared by the rep's companion and the desk, which both open the store from a profile.
"""

from __future__ import annotations

from pathlib import Path

from companion.edges.managed import ManagedTarget
from companion.edges.secrets import SecretStore
from companion.edges.settings import Settings
from companion.edges.sync.targets import SyncTarget


def target_from_settings(
    settings: Settings, secrets: SecretStore, outbox: Path, managed: ManagedTarget | None = None
) -> SyncTarget:
    """`managed` when IT set one; else S3 when `settings` name a bucket, else their folder,
    else `outbox` (made if absent)."""
    from companion.edges.sync.folder_target import FolderTarget

    bucket, endpoint, region = settings.s3_bucket, settings.s3_endpoint, settings.s3_region
    folder = settings.sync_folder
    if managed is not None:  # the rep's own choice does not count then, not even a part
        bucket, endpoint, region, folder = (
            managed.bucket,
            managed.endpoint,
            managed.region,
            managed.folder,
        )
    if bucket:  # the S3 code loads only for an S3 target
        from companion.edges.sync.s3_connection import credentials_from_secrets
        from companion.edges.sync.s3_target import S3Target

        return S3Target(bucket, endpoint, region or "us-east-1", credentials_from_secrets(secrets))
    if folder:
        return FolderTarget(Path(folder))
    return FolderTarget(outbox, create=True)
