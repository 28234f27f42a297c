"""A small disk for the profile: a tmpfs of a few MB that tests fill and free at will.

Mounting needs root (CI runs as root); elsewhere the tests skip and say why. Filling
writes a `filler` file until the disk has only `leave` bytes (or nothing) free, as
another program would; `release` deletes it again.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

CHUNK = 64 * 1024


@dataclass
class SmallDisk:
    root: Path

    @property
    def free(self) -> int:
        return shutil.disk_usage(self.root).free

    def fill(self, leave: int = 0) -> int:
        """Write until at most `leave` bytes are free (0: until the disk refuses)."""
        written = 0
        with (self.root / "filler").open("ab") as filler:
            while self.free > leave:
                size = min(CHUNK, max(4096, self.free - leave))
                try:
                    filler.write(b"\0" * size)
                    filler.flush()
                    os.fsync(filler.fileno())
                except OSError as error:
                    if error.errno != errno.ENOSPC:
                        raise
                    break
                written += size
        return written

    def release(self) -> None:
        (self.root / "filler").unlink(missing_ok=True)


@contextmanager
def mounted_tmpfs(where: Path, megabytes: int) -> Iterator[SmallDisk]:
    where.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("a small disk needs root to mount a tmpfs (CI runs as root)")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={megabytes}m,mode=0700", "tmpfs", str(where)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield SmallDisk(where)
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False, capture_output=True)
