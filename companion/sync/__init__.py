"""Sync: the call package format and the targets it goes to (folder, S3)."""

from companion.sync.package import CallPackage, PackageError, build_package
from companion.sync.targets import (
    ConnectionReport,
    FolderTarget,
    S3Target,
    SyncError,
    SyncTarget,
)

__all__ = [
    "CallPackage",
    "ConnectionReport",
    "FolderTarget",
    "PackageError",
    "S3Target",
    "SyncError",
    "SyncTarget",
    "build_package",
]
