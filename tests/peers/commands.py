"""Running the real `companion` command line, as an IT admin or a rep would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def companion(*args: str, home: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m companion ARGS` with this test's environment (and profile, if given)."""
    env = dict(os.environ)
    if home is not None:
        env["COMPANION_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-m", "companion", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
