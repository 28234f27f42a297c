"""The desktop's GlobalShortcuts portal on a private session bus (GNOME/KDE's, as a peer).

`running_shortcuts_portal` starts a dbus-daemon and a subprocess (this file) serving
`org.freedesktop.portal.GlobalShortcuts` as xdg-desktop-portal does: each call answers
with a Request object path and then a `Response` signal on it (`answer`: 0 the user
agreed, 1 declined); `press` emits `Activated`, as the user pressing the keys does.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
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
from jeepney.io.blocking import open_dbus_connection

NAME = "org.freedesktop.portal.Desktop"
PATH = "/org/freedesktop/portal/desktop"
SHORTCUTS = "org.freedesktop.portal.GlobalShortcuts"
REQUEST = "org.freedesktop.portal.Request"
SESSION = f"{PATH}/session/repcompanion"


@dataclass
class ShortcutsPortal:
    address: str
    process: subprocess.Popen[str]

    def said(self) -> str:
        assert self.process.stdout is not None
        return self.process.stdout.readline().strip()

    def press(self, shortcut: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(f"{shortcut}\n")
        self.process.stdin.flush()
        assert self.said() == f"pressed {shortcut}"


@contextmanager
def running_shortcuts_portal(root: Path, answer: int) -> Iterator[ShortcutsPortal]:
    from peers.secret_service import _start_bus  # the same private bus the keyring uses

    with ExitStack() as stack:
        address = _start_bus(root, stack)
        env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=address)
        process = subprocess.Popen(
            [sys.executable, __file__, str(answer)],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=(root / "portal.log").open("w"),
            text=True,
        )
        stack.callback(process.wait, 5)
        stack.callback(process.terminate)
        portal = ShortcutsPortal(address, process)
        if portal.said() != "ready":
            raise RuntimeError(f"the portal did not start: {(root / 'portal.log').read_text()}")
        yield portal


def _serve(answer: int) -> None:
    connection = open_dbus_connection(bus="SESSION")
    connection.send_and_get_reply(message_bus.RequestName(NAME))
    print("ready", flush=True)
    while True:
        readable, _, _ = select.select([sys.stdin, connection.sock], [], [], 1.0)
        if sys.stdin in readable:
            shortcut = sys.stdin.readline().strip()
            if not shortcut:
                return
            pressed = new_signal(DBusAddress(PATH, interface=SHORTCUTS), "Activated", "osta{sv}")
            pressed.body = (SESSION, shortcut, 0, {})
            connection.send(pressed)
            print(f"pressed {shortcut}", flush=True)
        if connection.sock in readable:
            messages = [connection.receive()]
            while True:
                try:
                    messages.append(connection.receive(timeout=0))
                except TimeoutError:
                    break
            for call in messages:
                if call.header.message_type is MessageType.method_call:
                    for message in _answer(call, answer):
                        connection.send(message)


def _answer(call: Message, answer: int) -> list[Message]:
    member = call.header.fields.get(HeaderFields.member)
    if member == "Get":  # org.freedesktop.DBus.Properties: the interface's version
        return [new_method_return(call, "v", (("u", 1),))]
    if member not in ("CreateSession", "BindShortcuts"):
        return []
    sender = call.header.fields[HeaderFields.sender].lstrip(":").replace(".", "_")
    options = call.body[-1]
    request = f"{PATH}/request/{sender}/{options['handle_token'][1]}"
    response = new_signal(DBusAddress(request, interface=REQUEST), "Response", "ua{sv}")
    if member == "CreateSession":
        response.body = (0, {"session_handle": ("s", SESSION)})
    else:
        triggers = ",".join(options_["preferred_trigger"][1] for _, options_ in call.body[1])
        print(f"bind {triggers}", flush=True)
        response.body = (answer, {})
    return [new_method_return(call, "o", (request,)), response]


if __name__ == "__main__":
    _serve(int(sys.argv[1]))
