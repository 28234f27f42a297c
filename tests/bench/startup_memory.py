"""Benchmark: start-up time to a visible tray icon, and idle memory, on a real tray host.

    uv run python tests/bench/startup_memory.py

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
- lets the app idle 3 s, then reads VmRSS and VmHWM from /proc/<pid>/status;
- stops the app with SIGTERM and waits until trayer's panel is back to its
  empty state before the next start.

Warm means warm bytecode too: the app runs with PYTHONPYCACHEPREFIX pointing at a
temporary folder (and without PYTHONDONTWRITEBYTECODE), so the warm-up run writes the
.pyc files and the measured runs load them, as an installed app would after its first
start; nothing is written next to the sources. Without .pyc files every start compiles
SQLAlchemy, Alembic and the rest from source again (about 0.6 s more on a 2-core
machine). `--no-bytecode-cache` measures with the environment's own setting instead.

The X queries go through libX11 with ctypes (libX11 is installed with trayer), one
in-process round trip per window, so polling every 5 ms costs the app being measured
almost no CPU; spawning `xwininfo` that often would take a good part of a core.

Why a private session bus: with no DBUS_SESSION_BUS_ADDRESS, Qt's
QSystemTrayIcon.show() (it looks for a StatusNotifierWatcher first) makes libdbus
autolaunch `dbus-launch` + `dbus-daemon` on the X display; those outlive the app.
A private bus keeps every run alike, keeps the user's real bus (where a
StatusNotifierWatcher would take the icon away from trayer) out of it, and is
stopped at the end.
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import os
import platform
import selectors
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

MEASURED_RUNS = 5
IDLE_SECONDS = 3.0
ICON_TIMEOUT = 20.0  # seconds for the app to show its icon, warm-up included
PEER_TIMEOUT = 15.0  # seconds for Xvfb, the bus and trayer to come up
STOP_TIMEOUT = 5.0  # seconds for the app to exit after SIGTERM and its icon to leave
POLL_INTERVAL = 0.005
STARTUP_TARGET = 1.0  # seconds
MEMORY_TARGET = 150.0  # MB
SCREEN = "1280x800x24"
TRAYER_ARGS = [
    "trayer",
    "--edge", "top",
    "--align", "right",
    "--widthtype", "pixel",
    "--width", "200",
    "--heighttype", "pixel",
    "--height", "32",
    "--SetDockType", "true",
]  # fmt: skip
PROGRAMS = ("Xvfb", "trayer")
IS_VIEWABLE = 2  # XWindowAttributes.map_state


class BenchError(RuntimeError):
    """The benchmark cannot measure: a peer or the app failed. Exit 1 with this message."""


# --- libX11 through ctypes ------------------------------------------------------------


class XWindowAttributes(ctypes.Structure):
    _fields_ = [
        ("x", ctypes.c_int),
        ("y", ctypes.c_int),
        ("width", ctypes.c_int),
        ("height", ctypes.c_int),
        ("border_width", ctypes.c_int),
        ("depth", ctypes.c_int),
        ("visual", ctypes.c_void_p),
        ("root", ctypes.c_ulong),
        ("c_class", ctypes.c_int),
        ("bit_gravity", ctypes.c_int),
        ("win_gravity", ctypes.c_int),
        ("backing_store", ctypes.c_int),
        ("backing_planes", ctypes.c_ulong),
        ("backing_pixel", ctypes.c_ulong),
        ("save_under", ctypes.c_int),
        ("colormap", ctypes.c_ulong),
        ("map_installed", ctypes.c_int),
        ("map_state", ctypes.c_int),
        ("all_event_masks", ctypes.c_long),
        ("your_event_mask", ctypes.c_long),
        ("do_not_propagate_mask", ctypes.c_long),
        ("override_redirect", ctypes.c_int),
        ("screen", ctypes.c_void_p),
    ]


_ERROR_HANDLER = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)


def _ignore_x_error(_display: int | None, _event: int | None) -> int:
    # Windows come and go while we walk the tree; libX11's default handler would exit().
    return 0


_ignore_x_error_callback = _ERROR_HANDLER(_ignore_x_error)
_IO_ERROR_HANDLER = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p)

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


_x_connection_lost_callback = _IO_ERROR_HANDLER(_x_connection_lost)


def _load_libx11() -> ctypes.CDLL:
    path = ctypes.util.find_library("X11")
    if path is None:
        raise BenchError("libX11 not found (Debian package libx11-6, a dependency of trayer)")
    lib = ctypes.CDLL(path)
    c_ulong_p = ctypes.POINTER(ctypes.c_ulong)
    lib.XOpenDisplay.restype = ctypes.c_void_p
    lib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    lib.XCloseDisplay.argtypes = [ctypes.c_void_p]
    lib.XSetErrorHandler.argtypes = [_ERROR_HANDLER]
    lib.XSetErrorHandler.restype = ctypes.c_void_p
    lib.XSetIOErrorHandler.argtypes = [_IO_ERROR_HANDLER]
    lib.XSetIOErrorHandler.restype = ctypes.c_void_p
    lib.XDefaultRootWindow.restype = ctypes.c_ulong
    lib.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
    lib.XInternAtom.restype = ctypes.c_ulong
    lib.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    lib.XGetSelectionOwner.restype = ctypes.c_ulong
    lib.XGetSelectionOwner.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
    lib.XQueryTree.restype = ctypes.c_int
    lib.XQueryTree.argtypes = [
        ctypes.c_void_p,
        ctypes.c_ulong,
        c_ulong_p,
        c_ulong_p,
        ctypes.POINTER(c_ulong_p),
        ctypes.POINTER(ctypes.c_uint),
    ]
    lib.XGetWindowProperty.restype = ctypes.c_int
    lib.XGetWindowProperty.argtypes = [
        ctypes.c_void_p,
        ctypes.c_ulong,
        ctypes.c_ulong,
        ctypes.c_long,
        ctypes.c_long,
        ctypes.c_int,
        ctypes.c_ulong,
        c_ulong_p,
        ctypes.POINTER(ctypes.c_int),
        c_ulong_p,
        c_ulong_p,
        ctypes.POINTER(ctypes.c_void_p),
    ]
    lib.XGetWindowAttributes.restype = ctypes.c_int
    lib.XGetWindowAttributes.argtypes = [
        ctypes.c_void_p,
        ctypes.c_ulong,
        ctypes.POINTER(XWindowAttributes),
    ]
    lib.XFree.argtypes = [ctypes.c_void_p]
    return lib


class XConnection:
    """The few X requests the benchmark needs; every call is a round trip (fresh answers)."""

    def __init__(self, display: str) -> None:
        self._x = _load_libx11()
        self._x.XSetErrorHandler(_ignore_x_error_callback)
        self._x.XSetIOErrorHandler(_x_connection_lost_callback)
        self._display = self._x.XOpenDisplay(display.encode())
        if not self._display:
            raise BenchError(f"cannot open X display {display}")
        self.root = self._x.XDefaultRootWindow(self._display)
        self._atoms: dict[str, int] = {}

    def close(self) -> None:
        self._x.XCloseDisplay(self._display)

    def atom(self, name: str) -> int:
        if name not in self._atoms:
            self._atoms[name] = self._x.XInternAtom(self._display, name.encode(), False)
        return self._atoms[name]

    def selection_owner(self, selection: str) -> int:
        return self._x.XGetSelectionOwner(self._display, self.atom(selection))

    def children(self, window: int) -> list[int]:
        root, parent = ctypes.c_ulong(), ctypes.c_ulong()
        kids = ctypes.POINTER(ctypes.c_ulong)()
        count = ctypes.c_uint()
        ok = self._x.XQueryTree(
            self._display,
            window,
            ctypes.byref(root),
            ctypes.byref(parent),
            ctypes.byref(kids),
            ctypes.byref(count),
        )
        if not ok:  # the window is gone
            return []
        try:
            return [kids[i] for i in range(count.value)]
        finally:
            if kids:
                self._x.XFree(kids)

    def descendants(self, window: int) -> list[int]:
        found: list[int] = []
        stack = self.children(window)
        while stack:
            child = stack.pop()
            found.append(child)
            stack.extend(self.children(child))
        return found

    def _property(self, window: int, name: str) -> tuple[int, bytes | list[int]] | None:
        actual_type, actual_format = ctypes.c_ulong(), ctypes.c_int()
        count, after = ctypes.c_ulong(), ctypes.c_ulong()
        data = ctypes.c_void_p()
        status = self._x.XGetWindowProperty(
            self._display,
            window,
            self.atom(name),
            0,
            1024,
            False,
            0,  # AnyPropertyType
            ctypes.byref(actual_type),
            ctypes.byref(actual_format),
            ctypes.byref(count),
            ctypes.byref(after),
            ctypes.byref(data),
        )
        if status != 0 or not data.value:
            return None
        try:
            if actual_format.value == 8:
                return 8, ctypes.string_at(data.value, count.value)
            if actual_format.value == 32:  # libX11 hands 32-bit items over as C longs
                longs = ctypes.cast(data, ctypes.POINTER(ctypes.c_ulong))
                return 32, [longs[i] for i in range(count.value)]
            return None
        finally:
            self._x.XFree(data)

    def pid(self, window: int) -> int | None:
        value = self._property(window, "_NET_WM_PID")
        if value is None or value[0] != 32 or not value[1]:
            return None
        items = value[1]
        assert isinstance(items, list)
        return items[0]

    def wm_class(self, window: int) -> tuple[str, ...]:
        value = self._property(window, "WM_CLASS")
        if value is None or value[0] != 8:
            return ()
        raw = value[1]
        assert isinstance(raw, bytes)
        return tuple(part.decode(errors="replace") for part in raw.split(b"\0") if part)

    def viewable(self, window: int) -> bool:
        attributes = XWindowAttributes()
        if not self._x.XGetWindowAttributes(self._display, window, ctypes.byref(attributes)):
            return False
        return attributes.map_state == IS_VIEWABLE


# --- processes --------------------------------------------------------------------------


def wait_until(ready: Callable[[], bool], *, what: str, timeout: float) -> float:
    """Poll `ready` every POLL_INTERVAL; return the perf_counter() at which it was true."""
    deadline = time.perf_counter() + timeout
    while True:
        if ready():
            return time.perf_counter()
        if time.perf_counter() > deadline:
            raise BenchError(f"{what}: not ready after {timeout:g} s")
        time.sleep(POLL_INTERVAL)


def read_line(fd: int, *, what: str, timeout: float = PEER_TIMEOUT) -> str:
    deadline = time.monotonic() + timeout
    data = b""
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while not data.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(remaining):
                raise BenchError(f"{what}: nothing after {timeout:g} s")
            chunk = os.read(fd, 4096)
            if not chunk:
                raise BenchError(f"{what}: the program exited before saying it")
            data += chunk
    return data.decode().strip()


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_TIMEOUT)


def spawn(args: list[str], log: Path, **options: object) -> subprocess.Popen[bytes]:
    with log.open("ab") as sink:
        options.setdefault("stdin", subprocess.DEVNULL)
        options.setdefault("stdout", sink)
        options.setdefault("stderr", sink)
        # Its own session: Ctrl-C reaches only the benchmark, which then stops it in order.
        options.setdefault("start_new_session", True)
        process = subprocess.Popen(args, **options)  # type: ignore[call-overload]
    _STARTED.append(process)
    return process


def tail(path: Path, limit: int = 4000) -> str:
    text = path.read_text(errors="replace") if path.exists() else ""
    return text[-limit:] if text else "(empty)"


def base_env() -> dict[str, str]:
    env = dict(os.environ)
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "QT_QPA_PLATFORM"):
        env.pop(name, None)
    return env


def start_xvfb(root: Path, stack: ExitStack) -> str:
    log = root / "xvfb.log"
    read_end, write_end = os.pipe()
    try:
        xvfb = spawn(
            ["Xvfb", "-displayfd", str(write_end), "-screen", "0", SCREEN, "-nolisten", "tcp"],
            log,
            pass_fds=(write_end,),
        )
    finally:
        os.close(write_end)
    stack.callback(stop, xvfb)
    try:
        number = read_line(read_end, what="Xvfb display number")
    except BenchError as error:
        raise BenchError(f"{error}\nXvfb log:\n{tail(log)}") from None
    finally:
        os.close(read_end)
    return f":{number}"


def start_session_bus(root: Path, stack: ExitStack) -> str | None:
    """A private D-Bus session bus; None when dbus-daemon is not installed."""
    if shutil.which("dbus-daemon") is None:
        return None
    read_end, write_end = os.pipe()
    try:
        bus = spawn(
            [
                "dbus-daemon",
                "--session",
                "--nofork",
                "--nopidfile",
                f"--address=unix:dir={root}",
                f"--print-address={write_end}",
            ],
            root / "dbus.log",
            pass_fds=(write_end,),
        )
    finally:
        os.close(write_end)
    stack.callback(stop, bus)
    try:
        return read_line(read_end, what="dbus-daemon address")
    finally:
        os.close(read_end)


def start_trayer(root: Path, env: dict[str, str], x: XConnection, stack: ExitStack) -> int:
    """Start trayer; return its panel window (the one tray icons are embedded into)."""
    log = root / "trayer.log"
    trayer = spawn(TRAYER_ARGS, log, env=env)
    stack.callback(stop, trayer)
    panels: list[int] = []

    def up() -> bool:
        if trayer.poll() is not None:
            raise BenchError(f"trayer exited with {trayer.returncode}:\n{tail(log)}")
        panels[:] = [w for w in x.children(x.root) if x.wm_class(w) == ("panel", "trayer")]
        return bool(panels) and x.selection_owner("_NET_SYSTEM_TRAY_S0") != 0

    wait_until(up, what="trayer panel and tray selection", timeout=PEER_TIMEOUT)
    return panels[0]


# --- one start of the app ---------------------------------------------------------------


@dataclass
class Run:
    seconds: float
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


@contextmanager
def running_app(env: dict[str, str], log: Path) -> Iterator[tuple[subprocess.Popen[bytes], float]]:
    """Start the app; yield it and the perf_counter() taken just before Popen."""
    with log.open("wb") as sink:
        started = time.perf_counter()
        app = subprocess.Popen(
            [sys.executable, "-m", "companion"],
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


def start_once(
    x: XConnection, panel: int, empty_panel: set[int], env: dict[str, str], log: Path
) -> Run:
    with running_app(env, log) as (app, started):

        def docked() -> bool:
            if app.poll() is not None:
                raise BenchError(f"the app exited with {app.returncode} before showing its icon")
            return any(x.pid(w) == app.pid and x.viewable(w) for w in x.descendants(panel))

        try:
            shown = wait_until(docked, what="tray icon", timeout=ICON_TIMEOUT)
        except BenchError as error:
            raise BenchError(f"{error}\napp output:\n{tail(log)}") from None
        seconds = shown - started

        idle_until = time.perf_counter() + IDLE_SECONDS
        while time.perf_counter() < idle_until:  # idle, but notice if the app dies
            if app.poll() is not None:
                raise BenchError(f"the app exited with {app.returncode} while idle:\n{tail(log)}")
            time.sleep(0.05)
        rss, hwm = memory_mb(app.pid)

        app.terminate()
        try:
            app.wait(STOP_TIMEOUT)
            killed = False
        except subprocess.TimeoutExpired:
            app.kill()
            app.wait(STOP_TIMEOUT)
            killed = True

    wait_until(
        lambda: set(x.descendants(panel)) <= empty_panel,
        what="tray empty again after the app stopped",
        timeout=STOP_TIMEOUT,
    )
    return Run(seconds, rss, hwm, log.read_text(errors="replace"), killed)


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
        f"{label}: icon after {run.seconds:.3f} s; after {IDLE_SECONDS:g} s idle "
        f"VmRSS {run.rss_mb:.1f} MB, VmHWM {run.hwm_mb:.1f} MB{killed}"
    )


def benchmark(root: Path, *, bytecode_cache: bool) -> int:
    missing = [name for name in PROGRAMS if shutil.which(name) is None]
    if missing:
        raise BenchError(f"not installed: {', '.join(missing)} (Debian: xvfb trayer)")
    with ExitStack() as stack:
        display = start_xvfb(root, stack)
        x = XConnection(display)
        stack.callback(x.close)
        env = base_env()
        env.update(DISPLAY=display, NO_AT_BRIDGE="1")  # NO_AT_BRIDGE: trayer skips a11y bus
        bus = start_session_bus(root, stack)
        if bus is not None:
            env["DBUS_SESSION_BUS_ADDRESS"] = bus
        panel = start_trayer(root, env, x, stack)
        empty_panel = set(x.descendants(panel))

        home = root / "companion-home"
        home.mkdir()
        app_env = base_env()
        app_env.update(DISPLAY=display, QT_QPA_PLATFORM="xcb", COMPANION_HOME=str(home))
        if bus is not None:
            app_env["DBUS_SESSION_BUS_ADDRESS"] = bus
        if bytecode_cache:
            app_env.pop("PYTHONDONTWRITEBYTECODE", None)
            app_env["PYTHONPYCACHEPREFIX"] = str(root / "pycache")
            bytecode = "own cache, filled by the warm-up run (PYTHONPYCACHEPREFIX)"
        elif app_env.get("PYTHONDONTWRITEBYTECODE"):
            bytecode = "none: PYTHONDONTWRITEBYTECODE is set, every start compiles from source"
        else:
            bytecode = "the environment's (__pycache__ next to the sources)"

        print(machine_facts())
        print(
            f"tray host: Xvfb {display} + trayer; D-Bus session bus: "
            f"{'private dbus-daemon' if bus else 'none (Qt will autolaunch one)'}"
        )
        print(f"bytecode: {bytecode}")
        print("detection: a window with the app's _NET_WM_PID, viewable, inside trayer's panel")
        warm_up = start_once(x, panel, empty_panel, app_env, root / "app-warm-up.log")
        print(describe("warm-up (not counted, creates the database)", warm_up))
        runs: list[Run] = []
        for number in range(1, MEASURED_RUNS + 1):
            run = start_once(x, panel, empty_panel, app_env, root / f"app-{number}.log")
            print(describe(f"warm start {number}", run))
            runs.append(run)

    outputs = {run.stderr for run in [warm_up, *runs] if run.stderr.strip()}
    if outputs:
        print("\napp stderr/stdout (each distinct text once):")
        for text in sorted(outputs):
            print(text.rstrip())
    else:
        print("\napp stderr/stdout: empty in every run")
    if any(run.killed for run in [warm_up, *runs]):
        print("note: the app ignored SIGTERM at least once and was stopped with SIGKILL")

    times = sorted(run.seconds for run in runs)
    rss = sorted(run.rss_mb for run in runs)
    median_time, median_rss = statistics.median(times), statistics.median(rss)
    print(
        "\nsummary\n"
        f"  startup to tray icon (median of {MEASURED_RUNS} warm starts): {median_time:.2f} s  "
        f"[{' '.join(f'{t:.2f}' for t in times)}]   target < {STARTUP_TARGET:g} s"
        f"  {'OK' if median_time < STARTUP_TARGET else 'MISSED'}\n"
        f"  idle memory (RSS after {IDLE_SECONDS:g} s, median): {median_rss:.1f} MB  "
        f"[{' '.join(f'{m:.1f}' for m in rss)}]   target < {MEMORY_TARGET:g} MB"
        f"  {'OK' if median_rss < MEMORY_TARGET else 'MISSED'}\n"
        f"  peak memory (VmHWM, max): {max(run.hwm_mb for run in runs):.1f} MB\n"
        f"  {machine_facts()}"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--no-bytecode-cache",
        action="store_true",
        help="run the app with the environment's bytecode settings (e.g. PYTHONDONTWRITEBYTECODE)",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="companion-bench-") as tmp:
        try:
            _TEMP_ROOTS.append(Path(tmp))
            return benchmark(Path(tmp), bytecode_cache=not args.no_bytecode_cache)
        except BenchError as error:
            print(f"\nbenchmark failed: {error}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("\nbenchmark interrupted; everything it started is stopped", file=sys.stderr)
            return 130


if __name__ == "__main__":
    sys.exit(main())
