"""Ordering policy versions: numbers separated by dots, compared number by number.

`2026.12.1` is newer than `2026.11.7` and than `2026.9`; `2026.12` and `2026.12.0` are
the same version. A laptop installs only a strictly newer version than any it has had
in force, so an older signed policy put back in the store cannot undo a newer one.
"""

from __future__ import annotations

import re

VERSION_PATTERN = r"^[0-9]{1,9}(\.[0-9]{1,9}){0,7}$"
_VERSION = re.compile(VERSION_PATTERN)
VERSION_HELP = "numbers separated by dots, e.g. 2026.12.1 (compared number by number)"


def version_problem(version: str) -> str | None:
    """None when `version` can be ordered; otherwise what is wrong with it."""
    if _VERSION.match(version):
        return None
    return f"'{version}' is not a policy version: use {VERSION_HELP}"


def version_key(version: str) -> tuple[int, ...]:
    """The sort key of a valid version (trailing zeros do not count)."""
    numbers = [int(part) for part in version.split(".")]
    while len(numbers) > 1 and numbers[-1] == 0:
        numbers.pop()
    return tuple(numbers)


def is_newer(candidate: str, than: str | None) -> bool:
    """Whether `candidate` is strictly newer than `than` (anything is newer than None)."""
    return than is None or version_key(candidate) > version_key(than)


def newest(*versions: str | None) -> str | None:
    known = [v for v in versions if v is not None and version_problem(v) is None]
    return max(known, key=version_key, default=None)
