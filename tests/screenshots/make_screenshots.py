"""Screenshots of every screen a rep sees, light and dark, from the real app.

    uv run python tests/screenshots/make_screenshots.py [--out docs/screenshots]

Starts the peers the UI tests use (tests/peers/): Xvfb with trayer as the tray host,
the PulseAudio testbed and a Secret Service (gnome-keyring on a private bus), then runs
screenshot_app.py once per colour scheme in a fresh COMPANION_HOME. That driver takes
the app through a recorded call, a declined one and a blocked one and writes
`NAME-light.png` / `NAME-dark.png` for each name in PICTURES. Everything it started is
stopped at the end. Needs: Xvfb trayer xdotool pulseaudio gnome-keyring dbus sox
(`.ci/run` installs them) and, for CJK and emoji, the Noto fonts.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
if str(TESTS) not in sys.path:  # run as a script: make tests/peers importable
    sys.path.insert(0, str(TESTS))

from peers import clean_env, pulse, require, tray  # noqa: E402
from peers import secret_service as keyring_peer  # noqa: E402

DRIVER = Path(__file__).with_name("screenshot_app.py")
DEFAULT_OUT = TESTS.parent / "docs" / "screenshots"
SCHEMES = ("light", "dark")
STATES = ("recording", "paused", "notes", "blocked")
PICTURES = (
    "tray-icon",
    "tray-menu",
    "start-dialog",
    "start-dialog-calendar",  # filled in from the rep's calendar (a local ICS server)
    "consent-dialog",
    *(f"call-bar-{state}" for state in STATES),
    *(f"call-window-{state}" for state in STATES),
    "blocked-dialog",
    "review",
    "library",
    "settings",
    "settings-calendar",
    "policy",
)
DRIVER_TIMEOUT = 120  # seconds per scheme (a run takes about 15)


def driver_env(env: dict[str, str], display: str) -> dict[str, str]:
    """`env` (with the audio and keyring peers in it) for the driver on `display`."""
    env = {name: value for name, value in env.items() if name != "LC_ALL"}
    return dict(
        env,
        DISPLAY=display,
        QT_QPA_PLATFORM="xcb",
        LANG="C.UTF-8",  # Qt wants UTF-8; the driver picks the rep's locale (en_GB) itself
    )


def run_driver(out: Path, scheme: str, env: dict[str, str], root: Path) -> dict[str, object]:
    home = root / f"home-{scheme}"
    runtime = root / f"runtime-{scheme}"
    runtime.mkdir(mode=0o700)  # Qt warns about a missing or shared XDG_RUNTIME_DIR
    driver_env = dict(env, COMPANION_HOME=str(home), XDG_RUNTIME_DIR=str(runtime))
    try:
        result = subprocess.run(
            [sys.executable, str(DRIVER), str(out), scheme],
            env=driver_env,
            capture_output=True,
            text=True,
            timeout=DRIVER_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as late:  # killed: say how far it got
        said = late.stderr.decode(errors="replace") if isinstance(late.stderr, bytes) else ""
        raise RuntimeError(f"the {scheme} run hung for {DRIVER_TIMEOUT} s:\n{said}") from None
    if result.returncode != 0 or not result.stdout.strip():
        raise RuntimeError(f"the {scheme} run failed ({result.returncode}):\n{result.stderr}")
    seen: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    seen["stderr"] = result.stderr
    return seen


def make(out: Path) -> dict[str, dict[str, object]]:
    """Write every picture for both schemes into `out`; what each run saw, by scheme."""
    require(*tray.PROGRAMS, *pulse.PROGRAMS, *keyring_peer.PROGRAMS, "xdotool", "sox")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="screenshots-") as tmp, ExitStack() as stack:
        root = Path(tmp)
        for name in ("tray", "pulse", "keyring"):
            (root / name).mkdir()
        display = stack.enter_context(tray.running_tray_host(root / "tray"))
        sound = stack.enter_context(pulse.running_pulse(root / "pulse"))
        keyring = stack.enter_context(keyring_peer.running_secret_service(root / "keyring"))
        env = clean_env(**sound.env)
        for name in ("PULSE_SERVER", "PULSE_SINK", "PULSE_SOURCE"):
            env.pop(name, None)
        env.update(sound.env)
        env.update(DBUS_SESSION_BUS_ADDRESS=keyring.address)
        env.update(PYTHON_KEYRING_BACKEND="keyring.backends.SecretService.Keyring")
        env = driver_env(env, display)
        return {scheme: run_driver(out, scheme, env, root) for scheme in SCHEMES}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    seen = make(args.out)
    for scheme, what in seen.items():
        print(f"{scheme}: {len(what['pictures'])} pictures")  # type: ignore[arg-type]
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
