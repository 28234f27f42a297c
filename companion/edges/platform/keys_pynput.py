"""Windows and macOS: Ctrl+Alt+<digit> anywhere, through pynput's global hot keys.

On Windows pynput uses a low-level keyboard hook (no permission asked). On macOS it
needs the Accessibility (Input Monitoring) permission: without it the listener runs but
hears nothing, so `grab` checks `IS_TRUSTED` and says no, and the in-window keys still
work. The listener's thread only queues the digit; `pressed()` hands them to the GUI.
"""

from __future__ import annotations

import logging
import queue
from collections.abc import Callable
from typing import Protocol

log = logging.getLogger(__name__)


class HotKeyListener(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...

    def wait(self) -> None: ...


HotKeys = Callable[[dict[str, Callable[[], None]]], HotKeyListener]


def pynput_hotkeys(mapping: dict[str, Callable[[], None]]) -> HotKeyListener:
    from pynput import keyboard

    listener: HotKeyListener = keyboard.GlobalHotKeys(mapping)
    return listener


class PynputGlobalKeys:
    def __init__(self, hotkeys: HotKeys = pynput_hotkeys) -> None:
        self._hotkeys = hotkeys
        self._queue: queue.SimpleQueue[str] = queue.SimpleQueue()
        self._listener: HotKeyListener | None = None

    def grab(self, digits: list[str]) -> bool:
        """Listen for the keys; False (and a log line) when the OS will not let us."""
        mapping = {f"<ctrl>+<alt>+{d}": self._presser(d) for d in digits}
        try:
            listener = self._hotkeys(mapping)
            listener.start()
            listener.wait()  # until the hook is in place (or failed)
        except (OSError, RuntimeError, ImportError) as problem:
            log.info("no system-wide moment keys: %s", problem)
            return False
        if getattr(listener, "IS_TRUSTED", True) is False:  # macOS without Accessibility
            listener.stop()
            log.info(
                "no system-wide moment keys: allow Rep Companion in System Settings > "
                "Privacy & Security > Accessibility"
            )
            return False
        self._listener = listener
        return True

    def _presser(self, digit: str) -> Callable[[], None]:
        return lambda: self._queue.put(digit)

    def stop(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.stop()

    def pressed(self) -> list[str]:
        found = []
        while True:
            try:
                found.append(self._queue.get_nowait())
            except queue.Empty:
                return found
