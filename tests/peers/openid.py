"""An OpenID provider on loopback: node and the npm package `oidc-provider` (8.x), from
`tests/peers/oidc/` (`.ci/run` runs `npm ci` there). Its development login form takes any
user name as the subject, and the e-mail claim is `<name>@example.test`."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from peers import HERE, clean_env, read_line, require, stop

FOLDER = HERE / "oidc"
PROGRAMS = ("node",)


@contextmanager
def running_provider(redirect_uri: str, log: Path) -> Iterator[str]:
    """The provider's issuer URL, with one client (`desk` / `desk-secret`)."""
    require(*PROGRAMS)
    if not (FOLDER / "node_modules" / "oidc-provider").is_dir():
        pytest.fail(f"run `npm ci` in {FOLDER} (.ci/run does) to install oidc-provider")
    with log.open("ab") as errors:
        process = subprocess.Popen(
            ["node", str(FOLDER / "provider.mjs")],
            cwd=FOLDER,
            env=clean_env(REDIRECT_URI=redirect_uri),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=errors,
        )
    try:
        assert process.stdout is not None
        line = read_line(process.stdout.fileno(), what="oidc-provider")
        if not line.startswith("ready "):
            raise RuntimeError(f"oidc-provider said {line!r}; see {log}")
        yield line.removeprefix("ready ")
    finally:
        stop(process)
