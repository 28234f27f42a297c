"""Sync: the call package format and the targets it goes to (folder, S3)."""

from companion.sync.folder_target import FolderTarget
from companion.sync.package import CallPackage, PackageError, build_package
from companion.sync.s3_target import S3Target
from companion.sync.targets import ConnectionReport, SyncError, SyncTarget

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
