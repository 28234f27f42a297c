"""Benchmark: start-up time to a visible tray icon, and idle memory, on a real tray host.

    uv run python tests/bench/startup_memory.py
    uv run python tests/bench/startup_memory.py --command /usr/bin/companion   # the .deb
    uv run python tests/bench/startup_memory.py --command uv run companion     # from source

Not a pytest test (pytest collects test_*.py only): it prints numbers and exits 0 even
when a target is missed. It exits 1 when the app never shows its icon.

What it does:
- starts Xvfb on a free display (-displayfd), a private D-Bus session bus and
  `trayer` as the tray host, and waits until trayer's panel exists and trayer owns
  the _NET_SYSTEM_TRAY_S0 selection;
- runs `python -m companion` (sys.executable, so the pid is the app itself) once to
  warm up (creates the database in a temporary COMPANION_HOME), then 5 more times
  with the same COMPANION_HOME;
- times each start from just before Popen until the icon is docked: a window whose
  _NET_WM_PID is the app's pid sits inside trayer's panel window and is viewable
  (trayer reparents the icon into a GtkSocket child of its panel; X reports a
  window viewable only when it and all its ancestors are mapped);
- waits until the app says it is up in its log ("Rep Companion is up": the icon shows
  first and the app is built right after, call detection included), lets it idle 3 s,
  then reads VmRSS and VmHWM from /proc/<pid>/status;
- stops the app with SIGTERM and waits until trayer's panel is back to its
  empty state before the next start;
- measures a bare PySide6 tray the same way in the same run (BARE_TRAY: a
  QApplication and a QSystemTrayIcon with a plain pixmap, nothing else), its starts
  taking turns with the app's, and prints both and their ratios. The machine may be
  shared and loaded: the ratio to the bare tray says more than the seconds alone.

Warm means warm bytecode too: the app runs with PYTHONPYCACHEPREFIX pointing at a
temporary folder (and without PYTHONDONTWRITEBYTECODE), so the warm-up run writes the
.pyc files and the measured runs load them, as an installed app would after its first
start; nothing is written next to the sources. Without .pyc files every start compiles
SQLAlchemy, Alembic and the rest from source again (about 0.6 s more on a 2-core
machine). `--no-bytecode-cache` measures with the environment's own setting instead.

The X queries go through libX11 with ctypes (`tests/peers/x11.py`), one in-process
round trip per window, so polling every 5 ms costs the app almost no CPU (spawning
`xwininfo` that often would take a good part of a core). Xvfb, trayer's command line
and the process helpers are the UI tests' own (`tests/peers/`).

Why a private session bus: with no DBUS_SESSION_BUS_ADDRESS, Qt's
QSystemTrayIcon.show() (it looks for a StatusNotifierWatcher first) makes libdbus
autolaunch `dbus-launch` + `dbus-daemon` on the X display; those outlive the app.
A private bus keeps every run alike, keeps the user's real bus (where a
StatusNotifierWatcher would take the icon away from trayer) out of it, and is
stopped at the end.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
if str(TESTS) not in sys.path:  # run as a script: make tests/peers importable
    sys.path.insert(0, str(TESTS))

import peers  # noqa: E402
from peers import clean_env, closing_fd, ensure_alive, read_line, stop  # noqa: E402
from peers.tray import TRAYER_ARGS, start_xvfb  # noqa: E402
from peers.x11 import XConnection  # noqa: E402

from companion.edges.paths import AppPaths  # noqa: E402

MEASURED_RUNS = 5
IDLE_SECONDS = 3.0
ICON_TIMEOUT = 20.0  # seconds for the app to show its icon, warm-up included
READY_TIMEOUT = 60.0  # seconds from the icon to "up" (the warm-up creates the database)
UP_LINE = b"Rep Companion is up"
PEER_TIMEOUT = 15.0  # seconds for Xvfb, the bus and trayer to come up
STOP_TIMEOUT = 5.0  # seconds for the app to exit after SIGTERM and its icon to leave
POLL_INTERVAL = 0.005
STARTUP_TARGET = 0.6  # seconds
MEMORY_TARGET = 120.0  # MB
# Where the targets came from: a bare PySide6 tray on the machine that set them.
REFERENCE_BARE_SECONDS = 0.3
REFERENCE_BARE_MB = 48.0
# The least a tray icon costs: the app's numbers next to these say what the app adds.
BARE_TRAY = """
import sys
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QApplication, QSystemTrayIcon
app = QApplication(sys.argv)
app.setQuitOnLastWindowClosed(False)
pixmap = QPixmap(32, 32)
pixmap.fill(QColor("teal"))
icon = QSystemTrayIcon(QIcon(pixmap))
icon.show()
sys.exit(app.exec())
"""
PROGRAMS = ("Xvfb", "trayer")


class BenchError(RuntimeError):
    """The benchmark cannot measure: a peer or the app failed. Exit 1 with this message."""


# Everything the benchmark started, and its temporary folder: libX11 ends the process when
# the X server goes away, so the handler below must clean up without unwinding.
_STARTED: list[subprocess.Popen[bytes]] = []
_TEMP_ROOTS: list[Path] = []


def _x_connection_lost(_display: int | None) -> int:
    print("\nbenchmark failed: lost the connection to the X server", file=sys.stderr)
    for process in _STARTED:
        if process.poll() is None:
            process.kill()
    for root in _TEMP_ROOTS:
        shutil.rmtree(root, ignore_errors=True)
    os._exit(1)


# --- processes --------------------------------------------------------------------------


def wait_until(ready: Callable[[], bool], *, what: str, timeout: float) -> float:
    """peers.wait_until every POLL_INTERVAL; return the perf_counter() at which it was true."""
    peers.wait_until(ready, what=what, timeout=timeout, interval=POLL_INTERVAL)
    return time.perf_counter()


def spawn(args: list[str], *, log: Path, **options: object) -> subprocess.Popen[bytes]:
    """peers.spawn, remembered in _STARTED for the X connection-lost handler."""
    # Its own session: Ctrl-C reaches only the benchmark, which then stops it in order.
    options.setdefault("start_new_session", True)
    process = peers.spawn(args, log=log, **options)
    _STARTED.append(process)
    return process


def tail(path: Path, limit: int = 4000) -> str:
    text = path.read_text(errors="replace") if path.exists() else ""
    return text[-limit:] if text else "(empty)"


def base_env() -> dict[str, str]:
    """The peers' clean environment, also without the user's session bus and Qt platform."""
    env = clean_env()
    for name in ("DBUS_SESSION_BUS_ADDRESS", "QT_QPA_PLATFORM"):
        env.pop(name, None)
    return env


def start_session_bus(root: Path, stack: ExitStack) -> str | None:
    """A private D-Bus session bus; None when dbus-daemon is not installed."""
    if shutil.which("dbus-daemon") is None:
        return None
    command = ["dbus-daemon", "--session", "--nofork", "--nopidfile", f"--address=unix:dir={root}"]
    read_end, write_end = os.pipe()
    try:
        command.append(f"--print-address={write_end}")  # the address comes back on the pipe
        bus = spawn(command, log=root / "dbus.log", pass_fds=(write_end,))
    finally:
        os.close(write_end)
    stack.callback(stop, bus)
    with closing_fd(read_end):
        return read_line(read_end, what="dbus-daemon address", timeout=PEER_TIMEOUT)


def start_trayer(root: Path, env: dict[str, str], x: XConnection, stack: ExitStack) -> int:
    """Start trayer; return its panel window (the one tray icons are embedded into)."""
    log = root / "trayer.log"
    trayer = spawn(TRAYER_ARGS, log=log, env=env)
    stack.callback(stop, trayer)
    panels: list[int] = []

    def up() -> bool:
        ensure_alive(trayer, log)
        panels[:] = [w for w in x.children(x.root) if x.wm_class(w) == ("panel", "trayer")]
        return bool(panels) and x.selection_owner("_NET_SYSTEM_TRAY_S0") != 0

    wait_until(up, what="trayer panel and tray selection", timeout=PEER_TIMEOUT)
    return panels[0]


@dataclass
class TrayHost:
    """Xvfb, the private bus and trayer, as the app's starts see them."""

    display: str
    bus: str | None  # DBUS_SESSION_BUS_ADDRESS of the private bus, None without dbus-daemon
    x: XConnection
    panel: int  # trayer's panel window, where icons are docked
    empty_panel: set[int]  # the panel's windows with no icon docked


def start_tray_host(root: Path, stack: ExitStack) -> TrayHost:
    display = start_xvfb(root, stack, launch=spawn)
    x = XConnection(display, on_connection_lost=_x_connection_lost)
    stack.callback(x.close)
    env = base_env()
    env.update(DISPLAY=display, NO_AT_BRIDGE="1")  # NO_AT_BRIDGE: trayer skips a11y bus
    bus = start_session_bus(root, stack)
    if bus is not None:
        env["DBUS_SESSION_BUS_ADDRESS"] = bus
    panel = start_trayer(root, env, x, stack)
    return TrayHost(display, bus, x, panel, set(x.descendants(panel)))


# --- one start of the app ---------------------------------------------------------------


@dataclass
class Run:
    seconds: float
    ready_seconds: float  # from start to "up" in the app's log (the icon's, for a bare tray)
    rss_mb: float
    hwm_mb: float
    stderr: str
    killed: bool  # SIGTERM was not enough


def memory_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of a process in MB (MiB, as /proc counts kB of 1024 bytes)."""
    fields: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


def _ancestors(pid: int) -> Iterator[int]:
    """`pid` and its parents (a launcher such as `uv run` starts the app as its child)."""
    while pid > 1:
        yield pid
        try:
            pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            return


def _launched_by(pid: int | None, launcher: int) -> bool:
    return pid is not None and launcher in _ancestors(pid)


@contextmanager
def running_app(
    env: dict[str, str], log: Path, command: list[str]
) -> Iterator[tuple[subprocess.Popen[bytes], float]]:
    """Start the app; yield it and the perf_counter() taken just before Popen."""
    with log.open("wb") as sink:
        started = time.perf_counter()
        app = subprocess.Popen(
            command,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so leftovers can be found
        )
    _STARTED.append(app)
    try:
        yield app, started
    finally:
        stop(app)
        with suppress(ProcessLookupError):
            os.killpg(app.pid, signal.SIGKILL)  # anything it started and left behind


def _log_size(path: Path | None) -> int:
    return path.stat().st_size if path is not None and path.exists() else 0


def _says_up(path: Path, offset: int) -> bool:
    """The app's log has said "up" since `offset` (from the start if it was rotated)."""
    if not path.exists():
        return False
    with path.open("rb") as log:
        if path.stat().st_size >= offset:
            log.seek(offset)
        return UP_LINE in log.read()


def start_once(
    host: TrayHost, env: dict[str, str], log: Path, command: list[str], app_log: Path | None
) -> Run:
    """One start; `app_log` is where the app says it is up (None: up with its icon)."""
    x, panel = host.x, host.panel
    offset = _log_size(app_log)
    owner: list[int] = []  # the process whose window is the icon (the app, not a launcher)
    with running_app(env, log, command) as (app, started):

        def docked() -> bool:
            if app.poll() is not None:
                raise BenchError(f"the app exited with {app.returncode} before showing its icon")
            for window in x.descendants(panel):
                pid = x.pid(window)
                if _launched_by(pid, app.pid) and x.viewable(window):
                    owner[:] = [pid] if pid is not None else []
                    return True
            return False

        try:
            shown = wait_until(docked, what="tray icon", timeout=ICON_TIMEOUT)
        except (BenchError, TimeoutError) as error:
            raise BenchError(f"{error}\napp output:\n{tail(log)}") from None
        seconds = shown - started

        def up() -> bool:
            if app.poll() is not None:
                raise BenchError(f"the app exited with {app.returncode} before it was up")
            return app_log is None or _says_up(app_log, offset)

        try:
            ready = wait_until(up, what="the app up (its log)", timeout=READY_TIMEOUT)
        except (BenchError, TimeoutError) as error:
            raise BenchError(f"{error}\napp output:\n{tail(log)}") from None

        idle_until = time.perf_counter() + IDLE_SECONDS
        while time.perf_counter() < idle_until:  # idle, but notice if the app dies
            if app.poll() is not None:
                raise BenchError(f"the app exited with {app.returncode} while idle:\n{tail(log)}")
            time.sleep(0.05)
        rss, hwm = memory_mb(owner[0] if owner else app.pid)

        app.terminate()
        try:
            app.wait(STOP_TIMEOUT)
            killed = False
        except subprocess.TimeoutExpired:
            app.kill()
            app.wait(STOP_TIMEOUT)
            killed = True

    wait_until(
        lambda: set(x.descendants(panel)) <= host.empty_panel,
        what="tray empty again after the app stopped",
        timeout=STOP_TIMEOUT,
    )
    return Run(seconds, ready - started, rss, hwm, log.read_text(errors="replace"), killed)


# --- report -----------------------------------------------------------------------------


def machine_facts() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"machine: nproc {len(os.sched_getaffinity(0))}, {cpu}; Python {platform.python_version()} "
        f"({sys.executable}); {platform.platform()}"
    )


def describe(label: str, run: Run) -> str:
    killed = "  (needed SIGKILL)" if run.killed else ""
    return (
        f"{label}: icon after {run.seconds:.3f} s, up after {run.ready_seconds:.3f} s; "
        f"after {IDLE_SECONDS:g} s idle "
        f"VmRSS {run.rss_mb:.1f} MB, VmHWM {run.hwm_mb:.1f} MB{killed}"
    )


def app_environment(
    root: Path, host: TrayHost, *, bytecode_cache: bool
) -> tuple[dict[str, str], str]:
    """The app's environment, and a line saying where its bytecode comes from."""
    home = root / "companion-home"
    home.mkdir()
    app_env = base_env()
    app_env.update(DISPLAY=host.display, QT_QPA_PLATFORM="xcb", COMPANION_HOME=str(home))
    if host.bus is not None:
        app_env["DBUS_SESSION_BUS_ADDRESS"] = host.bus
    if bytecode_cache:
        app_env.pop("PYTHONDONTWRITEBYTECODE", None)
        app_env["PYTHONPYCACHEPREFIX"] = str(root / "pycache")
        bytecode = "own cache, filled by the warm-up run (PYTHONPYCACHEPREFIX)"
    elif app_env.get("PYTHONDONTWRITEBYTECODE"):
        bytecode = "none: PYTHONDONTWRITEBYTECODE is set, every start compiles from source"
    else:
        bytecode = "the environment's (__pycache__ next to the sources)"
    return app_env, bytecode


def print_outputs(runs: list[Run]) -> None:
    outputs = {run.stderr for run in runs if run.stderr.strip()}
    if outputs:
        print("\napp stderr/stdout (each distinct text once):")
        for text in sorted(outputs):
            print(text.rstrip())
    else:
        print("\napp stderr/stdout: empty in every run")
    if any(run.killed for run in runs):
        print("note: the app ignored SIGTERM at least once and was stopped with SIGKILL")


def _medians(runs: list[Run]) -> tuple[float, float]:
    return statistics.median(r.seconds for r in runs), statistics.median(r.rss_mb for r in runs)


def print_summary(runs: list[Run], bare: list[Run]) -> None:
    times = sorted(run.seconds for run in runs)
    rss = sorted(run.rss_mb for run in runs)
    median_time, median_rss = _medians(runs)
    bare_time, bare_rss = _medians(bare)
    # The targets scaled to this run's bare tray, for a machine slower or busier than
    # the one that set them (0.6 s and 120 MB next to a bare tray's 0.3 s and 48 MB).
    time_ratio_target = STARTUP_TARGET / REFERENCE_BARE_SECONDS
    rss_ratio_target = MEMORY_TARGET / REFERENCE_BARE_MB
    time_ratio, rss_ratio = median_time / bare_time, median_rss / bare_rss
    print(
        "\nsummary\n"
        f"  startup to tray icon (median of {len(runs)} warm starts): {median_time:.2f} s  "
        f"[{' '.join(f'{t:.2f}' for t in times)}]   target < {STARTUP_TARGET:g} s"
        f"  {'OK' if median_time < STARTUP_TARGET else 'MISSED'}\n"
        f"  idle memory (RSS after {IDLE_SECONDS:g} s, median): {median_rss:.1f} MB  "
        f"[{' '.join(f'{m:.1f}' for m in rss)}]   target < {MEMORY_TARGET:g} MB"
        f"  {'OK' if median_rss < MEMORY_TARGET else 'MISSED'}\n"
        f"  peak memory (VmHWM, max): {max(run.hwm_mb for run in runs):.1f} MB\n"
        f"  up (built, call detection running; median): "
        f"{statistics.median(run.ready_seconds for run in runs):.2f} s\n"
        f"  bare PySide6 tray, same run (median of {len(bare)}): {bare_time:.2f} s "
        f"[{' '.join(f'{r.seconds:.2f}' for r in sorted(bare, key=lambda r: r.seconds))}], "
        f"{bare_rss:.1f} MB\n"
        f"  app / bare tray: startup {time_ratio:.2f}x (target < {time_ratio_target:.1f}x: "
        f"{STARTUP_TARGET:g} s next to {REFERENCE_BARE_SECONDS:g} s)"
        f"  {'OK' if time_ratio < time_ratio_target else 'MISSED'}; "
        f"memory {rss_ratio:.2f}x (target < {rss_ratio_target:.1f}x: "
        f"{MEMORY_TARGET:g} MB next to {REFERENCE_BARE_MB:g} MB)"
        f"  {'OK' if rss_ratio < rss_ratio_target else 'MISSED'}\n"
        f"  app minus bare tray: {median_time - bare_time:+.2f} s, "
        f"{median_rss - bare_rss:+.1f} MB\n"
        f"  {machine_facts()}"
    )


def benchmark(root: Path, *, bytecode_cache: bool, command: list[str]) -> int:
    missing = [name for name in PROGRAMS if shutil.which(name) is None]
    if missing:
        raise BenchError(f"not installed: {', '.join(missing)} (Debian: xvfb trayer)")
    bare_command = [sys.executable, "-c", BARE_TRAY]
    with ExitStack() as stack:
        host = start_tray_host(root, stack)
        app_env, bytecode = app_environment(root, host, bytecode_cache=bytecode_cache)
        print(machine_facts())
        print(
            f"tray host: Xvfb {host.display} + trayer; D-Bus session bus: "
            f"{'private dbus-daemon' if host.bus else 'none (Qt will autolaunch one)'}"
        )
        print(f"command: {' '.join(command)}")
        print(f"bytecode: {bytecode}")
        print("detection: a window with the app's _NET_WM_PID, viewable, inside trayer's panel")
        app_log = AppPaths.from_environment(app_env).log_file
        warm_up = start_once(host, app_env, root / "app-warm-up.log", command, app_log)
        print(describe("warm-up (not counted, creates the database)", warm_up))
        bare_warm_up = start_once(host, app_env, root / "bare-warm-up.log", bare_command, None)
        print(describe("bare tray warm-up (not counted)", bare_warm_up))
        runs: list[Run] = []
        bare: list[Run] = []
        for number in range(1, MEASURED_RUNS + 1):  # in turns: both see the same load
            run = start_once(host, app_env, root / f"app-{number}.log", command, app_log)
            print(describe(f"warm start {number}", run))
            runs.append(run)
            bare_run = start_once(host, app_env, root / f"bare-{number}.log", bare_command, None)
            print(describe(f"bare tray {number}", bare_run))
            bare.append(bare_run)
    print_outputs([warm_up, *runs])
    print_summary(runs, bare)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--no-bytecode-cache",
        action="store_true",
        help="run the app with the environment's bytecode settings (e.g. PYTHONDONTWRITEBYTECODE)",
    )
    parser.add_argument(
        "--command",
        nargs=argparse.REMAINDER,
        help="start the app with this command instead of this Python's `-m companion` "
        "(e.g. /usr/bin/companion for the installed package); it goes last",
    )
    args = parser.parse_args(argv)
    command = args.command or [sys.executable, "-m", "companion"]
    with tempfile.TemporaryDirectory(prefix="companion-bench-") as tmp:
        try:
            _TEMP_ROOTS.append(Path(tmp))
            return benchmark(Path(tmp), bytecode_cache=not args.no_bytecode_cache, command=command)
        except (RuntimeError, TimeoutError) as error:  # BenchError and the peers' start-up errors
            print(f"\nbenchmark failed: {error}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("\nbenchmark interrupted; everything it started is stopped", file=sys.stderr)
            return 130


if __name__ == "__main__":
    sys.exit(main())
