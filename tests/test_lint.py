"""The code base stays ruff-clean: lint and format are checked like any other behaviour."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def ruff(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_ruff_check_is_clean():
    done = ruff("check", "companion", "tests")
    assert done.returncode == 0, done.stdout


def test_ruff_format_is_clean():
    done = ruff("format", "--check", "companion", "tests")
    assert done.returncode == 0, done.stdout
