"""A desktop's appearance setting, as GNOME and KDE publish it: the XDG desktop portal.

Qt's `xdgdesktopportal` platform theme reads `org.freedesktop.appearance color-scheme`
(0 no preference, 1 dark, 2 light) from `org.freedesktop.portal.Settings` on the session
bus and follows its `SettingChanged` signal; that is how a Qt app learns the OS colour
scheme on Linux. `running_portal` serves that one setting on a bus (a subprocess running
this file); `PortalPeer.set_scheme` changes it, as the rep switching the desktop does.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from jeepney import (
    DBusAddress,
    HeaderFields,
    Message,
    MessageType,
    new_method_return,
    new_signal,
)
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import DBusConnection, open_dbus_connection

NAME = "org.freedesktop.portal.Desktop"
PATH = "/org/freedesktop/portal/desktop"
SETTINGS = "org.freedesktop.portal.Settings"
APPEARANCE = "org.freedesktop.appearance"
SCHEMES = {"none": 0, "dark": 1, "light": 2}


@dataclass
class PortalPeer:
    process: subprocess.Popen[str]

    def set_scheme(self, scheme: str) -> None:
        """The desktop switches: the setting changes and SettingChanged is emitted."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(scheme + "\n")
        self.process.stdin.flush()
        assert self.process.stdout.readline().strip() == f"now {scheme}"


@contextmanager
def running_portal(address: str, scheme: str, log: Path) -> Iterator[PortalPeer]:
    """Serve the appearance setting on the bus at `address`, starting at `scheme`."""
    env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=address)
    with log.open("w") as errors:
        process = subprocess.Popen(
            [sys.executable, __file__, scheme],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
    try:
        assert process.stdout is not None
        ready = process.stdout.readline().strip()
        if ready != "ready":
            raise RuntimeError(f"the portal did not start: {log.read_text()}")
        yield PortalPeer(process)
    finally:
        process.terminate()
        process.wait(timeout=5)


def _serve(scheme: str) -> None:
    """The subprocess: answer the portal's reads, emit SettingChanged on each stdin line."""
    connection = open_dbus_connection(bus="SESSION")
    connection.send_and_get_reply(message_bus.RequestName(NAME))
    value = SCHEMES[scheme]
    emitter = DBusAddress(PATH, interface=SETTINGS)
    print("ready", flush=True)
    while True:
        readable, _, _ = select.select([sys.stdin, connection.sock], [], [], 1.0)
        if sys.stdin in readable:
            line = sys.stdin.readline().strip()
            if not line:
                return
            value = SCHEMES[line]
            changed = new_signal(emitter, "SettingChanged", "ssv")
            changed.body = (APPEARANCE, "color-scheme", ("u", value))
            connection.send(changed)
            print(f"now {line}", flush=True)
        if connection.sock in readable:
            for message in _pending(connection):
                if message.header.message_type is MessageType.method_call:
                    reply = _answer(message, value)
                    if reply is not None:
                        connection.send(reply)


def _pending(connection: DBusConnection) -> list[Message]:
    """Every message that has arrived: jeepney reads several at once into its buffer, and
    select() does not see those, so a second call sent right after the first (Qt asks for
    the version, then ReadAll) would wait for ever."""
    messages = [connection.receive()]
    while True:
        try:
            messages.append(connection.receive(timeout=0))
        except TimeoutError:
            return messages


def _answer(call: Message, scheme: int) -> Message | None:
    member = call.header.fields.get(HeaderFields.member)
    if member == "ReadAll":
        return new_method_return(
            call, "a{sa{sv}}", ({APPEARANCE: {"color-scheme": ("u", scheme)}},)
        )
    if member == "ReadOne":
        return new_method_return(call, "v", (("u", scheme),))
    if member == "Read":  # version 1: the value wrapped in one more variant
        return new_method_return(call, "v", (("v", ("u", scheme)),))
    if member == "Get":  # org.freedesktop.DBus.Properties: the interface's version
        return new_method_return(call, "v", (("u", 2),))
    return None


if __name__ == "__main__":
    _serve(sys.argv[1])
