"""Real peers for the tests: daemons that tests talk to instead of mocks.

Each module starts one peer (a Secret Service, an X server with a tray host,
PulseAudio), waits until it really answers, and stops it again. The helpers
here are shared: bounded polling instead of sleeps, and clean process stops.
"""

from __future__ import annotations

import os
import selectors
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
START_TIMEOUT = 15.0  # seconds; peers start in well under a second, CI machines are slow


def require(*programs: str) -> None:
    """Skip the test when a peer's program is not installed (.ci/run installs them all)."""
    missing = [name for name in programs if shutil.which(name) is None]
    if missing:
        pytest.skip(f"peer not installed: {', '.join(missing)} (see .ci/run for the packages)")


def wait_until(
    ready: Callable[[], bool], *, what: str, timeout: float = START_TIMEOUT, interval: float = 0.01
) -> None:
    """Poll `ready` until it is true; raise TimeoutError naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not ready after {timeout:g} s")
        time.sleep(interval)


def read_line(fd: int, *, what: str, timeout: float = START_TIMEOUT) -> str:
    """Read one line from a pipe, giving up after `timeout` seconds (a daemon may die silently)."""
    deadline = time.monotonic() + timeout
    data = b""
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while not data.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(remaining):
                raise TimeoutError(f"{what}: no line after {timeout:g} s")
            chunk = os.read(fd, 4096)
            if not chunk:
                raise RuntimeError(f"{what}: pipe closed before a full line ({data!r})")
            data += chunk
    return data.decode().strip()


@contextmanager
def closing_fd(fd: int) -> Iterator[int]:
    try:
        yield fd
    finally:
        os.close(fd)


def stop(process: subprocess.Popen[bytes] | subprocess.Popen[str], timeout: float = 5.0) -> None:
    """Terminate a peer and reap it; kill it if it ignores SIGTERM."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)
    for stream in (process.stdin, process.stdout, process.stderr):
        if stream is not None:
            stream.close()


def spawn(args: list[str], *, log: Path, **options: object) -> subprocess.Popen[bytes]:
    """Start a peer with its output in `log` (a pipe nobody reads could block it)."""
    with log.open("ab") as sink:
        options.setdefault("stdin", subprocess.DEVNULL)
        options.setdefault("stdout", sink)
        options.setdefault("stderr", sink)
        return subprocess.Popen(args, **options)  # type: ignore[call-overload]  # **kwargs


def ensure_alive(process: subprocess.Popen[bytes] | subprocess.Popen[str], log: Path) -> None:
    """Fail fast, with the peer's log, when a peer died during start-up."""
    if process.poll() is not None:
        text = log.read_text(errors="replace") if log.exists() else "(no log)"
        raise RuntimeError(f"{process.args!r} exited with {process.returncode}:\n{text[-3000:]}")


def clean_env(**overrides: str) -> dict[str, str]:
    """A copy of os.environ for a peer, without pointers to the user's real desktop services."""
    env = dict(os.environ)
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "GNOME_KEYRING_CONTROL", "PULSE_SERVER"):
        env.pop(name, None)
    env.update(overrides)
    return env


def uses_audio_peer(request: pytest.FixtureRequest) -> bool:
    """Whether the requesting test runs with PulseAudio, so the real recorder can work."""
    return "pulse_testbed" in request.fixturenames
