"""The profile is the rep's alone: folders 0700, files 0600, whatever the umask.

On a computer with several local users, or a home folder others may read, the rep's
accounts, notes, moments and CRM fields must not be readable by anyone else. The app sets
its process umask to 0077 when it opens a profile, so every file it writes there (SQLite
and its journal, logs, settings, caches) is created private; a profile made by an older
version is tightened once at start. The organisation's share is not the profile: what
goes there follows the share's own folder (see `share_mode`).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

PRIVATE_UMASK = 0o077
FOLDER_MODE = 0o700
FILE_MODE = 0o600


def write_private() -> int:
    """From now on this process creates files 0600 and folders 0700; returns the old umask."""
    return os.umask(PRIVATE_UMASK)


def _entries(folders: Iterable[Path]) -> Iterator[Path]:
    for folder in folders:
        if not folder.is_dir():
            continue
        yield folder
        for root, dirs, files in os.walk(folder):
            for name in (*dirs, *files):
                yield Path(root) / name


def readable_by_others(folders: Iterable[Path]) -> list[Path]:
    """Entries under `folders` (and the folders) that group or others may read or enter."""
    found = []
    for path in _entries(folders):
        try:
            mode = path.lstat().st_mode
        except OSError:  # removed meanwhile
            continue
        if not stat.S_ISLNK(mode) and mode & 0o077:
            found.append(path)
    return found


def tighten(folders: Iterable[Path]) -> int:
    """Folders 0700 and files 0600 where they were more open; returns how many changed."""
    changed = 0
    for path in readable_by_others(list(folders)):
        try:
            mode = path.lstat().st_mode
            path.chmod(FOLDER_MODE if stat.S_ISDIR(mode) else FILE_MODE)
        except OSError:  # not ours to change (another owner): doctor says so
            continue
        changed += 1
    return changed


def share_mode(root: Path, folder: bool) -> int:
    """The mode for what the app writes into a shared folder: as open as the share itself."""
    try:
        mode = stat.S_IMODE(root.stat().st_mode)
    except OSError:
        mode = FOLDER_MODE
    return mode if folder else mode & 0o666
