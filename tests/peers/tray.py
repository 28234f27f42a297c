"""A real system tray: Xvfb on a free display with `trayer` as the tray host.

The tray is ready when trayer owns the `_NET_SYSTEM_TRAY_S0` selection, which is
what Qt's QSystemTrayIcon.isSystemTrayAvailable() asks. trayer's window shows up
in `xwininfo -root -tree` about 10 ms before it takes that selection, so both are
checked.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from . import clean_env, closing_fd, ensure_alive, read_line, spawn, stop, wait_until
from .x11 import load_libx11

PROGRAMS = ("Xvfb", "trayer", "xwininfo")
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


@contextmanager
def running_tray_host(root: Path) -> Iterator[str]:
    """Start Xvfb and trayer; yield the DISPLAY string (e.g. ":3"); stop both on exit."""
    with ExitStack() as stack:
        display = start_xvfb(root, stack)
        env = clean_env(DISPLAY=display, NO_AT_BRIDGE="1")  # NO_AT_BRIDGE: no a11y bus lookups
        log = root / "trayer.log"
        trayer = spawn(TRAYER_ARGS, log=log, env=env)
        stack.callback(stop, trayer)

        def tray_host_up() -> bool:
            ensure_alive(trayer, log)
            return _trayer_window_exists(env) and _tray_selection_owned(display)

        wait_until(tray_host_up, what=f"trayer on {display}")
        yield display


def start_xvfb(
    root: Path, stack: ExitStack, launch: Callable[..., subprocess.Popen[bytes]] = spawn
) -> str:
    """Start Xvfb on a free display, stopped by `stack`; return the DISPLAY string.

    `launch` is `spawn` or a wrapper with the same signature (the start-up benchmark
    keeps track of what it started).
    """
    # -displayfd: Xvfb picks a free display number and writes it to this pipe once it listens.
    log = root / "xvfb.log"
    read_end, write_end = os.pipe()
    try:
        xvfb = launch(
            ["Xvfb", "-displayfd", str(write_end), "-screen", "0", SCREEN, "-nolisten", "tcp"],
            log=log,
            pass_fds=(write_end,),
        )
    finally:
        os.close(write_end)  # only Xvfb holds it now, so its death reads as end-of-file
    stack.callback(stop, xvfb)
    with closing_fd(read_end):
        try:
            number = read_line(read_end, what="Xvfb display number")
        except (RuntimeError, TimeoutError):
            ensure_alive(xvfb, log)  # a dead Xvfb explains itself with its log
            raise
    return f":{number}"


def _trayer_window_exists(env: dict[str, str]) -> bool:
    tree = subprocess.run(
        ["xwininfo", "-root", "-tree"], env=env, capture_output=True, text=True, check=False
    )
    return '"trayer"' in tree.stdout


def _tray_selection_owned(display: str) -> bool:
    """Ask the X server (through libX11) whether a tray host owns screen 0's tray selection."""
    xlib = load_libx11()
    connection = xlib.XOpenDisplay(display.encode())
    if not connection:
        return False
    try:
        atom = xlib.XInternAtom(connection, b"_NET_SYSTEM_TRAY_S0", False)
        return xlib.XGetSelectionOwner(connection, atom) != 0
    finally:
        xlib.XCloseDisplay(connection)
