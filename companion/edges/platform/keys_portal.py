"""Linux without X11 (a Wayland session): moment keys through the GlobalShortcuts portal.

xdg-desktop-portal (GNOME 48+, KDE Plasma 6) binds system-wide shortcuts for an app
after the user agrees in the desktop's own dialog, and signals `Activated` when one is
pressed. `grab` opens the portal session at once (False where there is no portal);
binding and waiting for the keys happen on a thread, as the user may take a while to
answer. Declined, nothing is bound and the in-window keys still work.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any, Protocol

log = logging.getLogger(__name__)
PORTAL_NAME = "org.freedesktop.portal.Desktop"
PORTAL_PATH = "/org/freedesktop/portal/desktop"
SHORTCUTS = "org.freedesktop.portal.GlobalShortcuts"
REQUEST = "org.freedesktop.portal.Request"
WAIT_SECONDS = 0.2  # how soon the thread notices stop()


class PortalLink(Protocol):
    def available(self) -> bool: ...

    def request(
        self, method: str, signature: str, args: tuple[Any, ...]
    ) -> tuple[int, dict[str, Any]]:
        """Call a method that answers through a Request object: (response code, results).

        The last argument is the options dict; the link adds its `handle_token`."""
        ...

    def activations(self, session: str, stop: threading.Event) -> Iterator[str]:
        """The ids of the shortcuts pressed in `session`, until `stop` is set."""
        ...

    def close(self) -> None: ...


class JeepneyPortal:
    """The session bus through jeepney (pure Python; already there for the keyring)."""

    def __init__(self) -> None:
        from jeepney import MatchRule, message_bus
        from jeepney.io.blocking import Proxy, open_dbus_connection

        self._connection = open_dbus_connection(bus="SESSION")
        self._tokens = itertools.count(1)
        # Listening before anything is bound: no key pressed right after binding is lost.
        rule = MatchRule(type="signal", interface=SHORTCUTS, member="Activated")
        self._listening = self._connection.filter(rule)
        self._pressed = self._listening.queue
        Proxy(message_bus, self._connection).AddMatch(rule)

    def _address(self, interface: str = SHORTCUTS) -> Any:
        from jeepney import DBusAddress

        return DBusAddress(PORTAL_PATH, bus_name=PORTAL_NAME, interface=interface)

    def available(self) -> bool:
        from jeepney import MessageType, Properties

        reply = self._connection.send_and_get_reply(
            Properties(self._address()).get("version"), timeout=5
        )
        return bool(reply.header.message_type == MessageType.method_return)

    def request(
        self, method: str, signature: str, args: tuple[Any, ...]
    ) -> tuple[int, dict[str, Any]]:
        from jeepney import MatchRule, MessageType, message_bus, new_method_call
        from jeepney.io.blocking import Proxy

        token = f"repcompanion{next(self._tokens)}"
        sender = str(self._connection.unique_name).lstrip(":").replace(".", "_")
        path = f"{PORTAL_PATH}/request/{sender}/{token}"
        rule = MatchRule(type="signal", interface=REQUEST, member="Response", path=path)
        Proxy(message_bus, self._connection).AddMatch(rule)
        options = {**args[-1], "handle_token": ("s", token)}
        with self._connection.filter(rule) as responses:
            call = new_method_call(self._address(), method, signature, (*args[:-1], options))
            reply = self._connection.send_and_get_reply(call, timeout=10)
            if reply.header.message_type == MessageType.error:
                raise OSError(f"portal {method}: {reply.body}")
            code, results = self._connection.recv_until_filtered(responses).body
        return int(code), {key: value[1] for key, value in results.items()}

    def activations(self, session: str, stop: threading.Event) -> Iterator[str]:
        while not stop.is_set():
            try:
                signal = self._connection.recv_until_filtered(self._pressed, timeout=WAIT_SECONDS)
            except TimeoutError:
                continue
            if str(signal.body[0]) == session:
                yield str(signal.body[1])

    def close(self) -> None:
        self._listening.close()
        self._connection.close()


class PortalGlobalKeys:
    def __init__(self, link: Callable[[], PortalLink] = JeepneyPortal) -> None:
        self._link_factory = link
        self._link: PortalLink | None = None
        self._queue: queue.SimpleQueue[str] = queue.SimpleQueue()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self.bound: threading.Event = threading.Event()  # set once the user agreed

    def grab(self, digits: list[str]) -> bool:
        """Open a portal session; False (and a log line) without a GlobalShortcuts portal."""
        try:
            link = self._link_factory()
            if not link.available():
                link.close()
                log.info("no system-wide moment keys: the desktop has no GlobalShortcuts portal")
                return False
            code, results = link.request(
                "CreateSession", "a{sv}", ({"session_handle_token": ("s", "repcompanion")},)
            )
        except (OSError, ValueError) as problem:
            log.info("no system-wide moment keys: %s", problem)
            return False
        if code != 0 or "session_handle" not in results:
            link.close()
            log.info("no system-wide moment keys: the portal refused a session (%s)", code)
            return False
        self._link, self._stopped = link, threading.Event()
        self._thread = threading.Thread(
            target=self._bind_and_wait,
            args=(link, str(results["session_handle"]), digits),
            name="global-keys",
            daemon=True,
        )
        self._thread.start()
        return True

    def _bind_and_wait(self, link: PortalLink, session: str, digits: list[str]) -> None:
        wanted = [
            (
                f"moment-{digit}",
                {
                    "description": ("s", f"Mark a moment (tag {digit})"),
                    "preferred_trigger": ("s", f"CTRL+ALT+{digit}"),
                },
            )
            for digit in digits
        ]
        try:
            code, _ = link.request("BindShortcuts", "oa(sa{sv})sa{sv}", (session, wanted, "", {}))
            if code != 0:
                log.info("system-wide moment keys declined in the desktop's dialog (%s)", code)
                return
            self.bound.set()
            for shortcut in link.activations(session, self._stopped):
                if shortcut.startswith("moment-"):
                    self._queue.put(shortcut.removeprefix("moment-"))
        except (OSError, ValueError, ConnectionError):
            if not self._stopped.is_set():
                log.warning("the GlobalShortcuts portal went away", exc_info=True)

    def stop(self) -> None:
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None
        link, self._link = self._link, None
        if link is not None:
            link.close()

    def pressed(self) -> list[str]:
        found = []
        while True:
            try:
                found.append(self._queue.get_nowait())
            except queue.Empty:
                return found
