"""Moment keys that work while Zoom (or anything else) has the focus.

On X11 the app grabs Ctrl+Alt+digit on the root window (python-xlib), so the X
server hands those keys to us whichever window is in front; a thread waits for
them and `pressed()` gives them to the GUI's timer. Elsewhere (Wayland, Windows,
macOS) `NullGlobalKeys` grabs nothing and the in-window keys still work.
"""

from __future__ import annotations

import logging
import os
import queue
import select
import threading
from typing import Any, Protocol

log = logging.getLogger(__name__)
WAIT_SECONDS = 0.2  # how soon the thread notices stop()


class GlobalKeys(Protocol):
    def grab(self, digits: list[str]) -> bool: ...

    def stop(self) -> None: ...

    def pressed(self) -> list[str]: ...


class NullGlobalKeys:
    """No system-wide keys on this platform."""

    def grab(self, digits: list[str]) -> bool:
        return False

    def stop(self) -> None:
        return None

    def pressed(self) -> list[str]:
        return []


class X11GlobalKeys:
    """Ctrl+Alt+<digit> anywhere on the X display; the digits are the policy's tag keys."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[str] = queue.SimpleQueue()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def grab(self, digits: list[str]) -> bool:
        """Grab the keys; False (and a log line) when the display will not give them."""
        from Xlib import XK, X, display, error

        try:
            screen = display.Display()
        except (error.DisplayError, OSError) as problem:
            log.info("no system-wide moment keys: %s", problem)
            return False
        keys = {screen.keysym_to_keycode(XK.string_to_keysym(d)): d for d in digits}
        root = screen.screen().root
        caught = error.CatchError(error.BadAccess)
        for code in keys:
            for extra in (0, X.Mod2Mask, X.LockMask, X.Mod2Mask | X.LockMask):  # NumLock, Caps
                mods = X.ControlMask | X.Mod1Mask | extra
                root.grab_key(code, mods, True, X.GrabModeAsync, X.GrabModeAsync, onerror=caught)
        screen.sync()
        if caught.get_error():  # another program has these keys
            log.info("system-wide moment keys are taken by another program")
            screen.close()
            return False
        self._stopped.clear()
        self._thread = threading.Thread(
            target=self._wait, args=(screen, keys), name="global-keys", daemon=True
        )
        self._thread.start()
        return True

    def _wait(self, screen: Any, keys: dict[int, str]) -> None:
        from Xlib import X

        try:
            while not self._stopped.is_set():
                ready, _, _ = select.select([screen.fileno()], [], [], WAIT_SECONDS)
                while ready and screen.pending_events():
                    event = screen.next_event()
                    if event.type == X.KeyPress and event.detail in keys:
                        self._queue.put(keys[event.detail])
                ready = []
        finally:
            screen.close()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None

    def pressed(self) -> list[str]:
        found = []
        while True:
            try:
                found.append(self._queue.get_nowait())
            except queue.Empty:
                return found


def global_keys() -> GlobalKeys:
    """X11 where there is an X display (Xwayland counts), else nothing."""
    if os.environ.get("DISPLAY") and os.environ.get("QT_QPA_PLATFORM", "xcb") == "xcb":
        return X11GlobalKeys()
    return NullGlobalKeys()
