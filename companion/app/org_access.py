"""The organisation's store behind a sync target: the same folder or bucket, read whole."""

from __future__ import annotations

from companion.edges.sync.org_store import FolderOrgStore, OrgStore
from companion.edges.sync.targets import SyncTarget


def org_store_for(target: SyncTarget) -> OrgStore:
    from companion.edges.sync.folder_target import FolderTarget

    if isinstance(target, FolderTarget):
        return FolderOrgStore(target.root)
    from companion.edges.sync.org_s3 import S3OrgStore
    from companion.edges.sync.s3_target import S3Target

    assert isinstance(target, S3Target), f"no organisation store for {type(target).__name__}"
    return S3OrgStore(target)
