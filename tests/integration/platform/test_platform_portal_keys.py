"""Moment keys on a Wayland session through the GlobalShortcuts portal (a fake portal link)."""

from __future__ import annotations

import threading
from contextlib import ExitStack

import pytest
from peers import require, wait_until
from peers.shortcuts_portal import running_shortcuts_portal

from companion.edges.global_keys import NullGlobalKeys
from companion.edges.platform.choose import global_keys_for
from companion.edges.platform.keys_portal import PortalGlobalKeys


class Link:
    def __init__(self, available=True, session_code=0, bind_code=0, pressed=()):
        self._available, self.session_code, self.bind_code = available, session_code, bind_code
        self.pressed, self.calls, self.closed = list(pressed), [], 0
        self.done = threading.Event()

    def available(self):
        return self._available

    def request(self, method, signature, args):
        self.calls.append((method, signature, args))
        if method == "CreateSession":
            return self.session_code, {
                "session_handle": "/org/freedesktop/portal/desktop/session/1_9/rc"
            }
        if self.bind_code:
            self.done.set()
        return self.bind_code, {}

    def activations(self, session, stop):
        yield from self.pressed
        self.done.set()
        stop.wait()

    def close(self):
        self.closed += 1


def test_the_rep_agrees_and_ctrl_alt_digit_arrives():
    link = Link(pressed=["moment-3", "someone-else", "moment-1"])
    keys = PortalGlobalKeys(lambda: link)
    assert keys.grab(["1", "3"])
    assert link.done.wait(5)
    assert keys.pressed() == ["3", "1"] and keys.bound.is_set()
    method, signature, (session, wanted, parent, options) = link.calls[1]
    assert (method, signature) == ("BindShortcuts", "oa(sa{sv})sa{sv}")
    assert session.endswith("/rc") and parent == "" and options == {}
    assert [w[1]["preferred_trigger"] for w in wanted] == [("s", "CTRL+ALT+1"), ("s", "CTRL+ALT+3")]
    keys.stop()
    assert link.closed == 1


def test_the_rep_declines_in_the_desktops_dialog_nothing_is_bound():
    link = Link(bind_code=1, pressed=["moment-1"])
    keys = PortalGlobalKeys(lambda: link)
    assert keys.grab(["1"])
    assert link.done.wait(5)
    keys.stop()
    assert keys.pressed() == [] and not keys.bound.is_set()


def test_no_portal_or_a_refused_session_grabs_nothing():
    absent, refused = Link(available=False), Link(session_code=2)
    assert not PortalGlobalKeys(lambda: absent).grab(["1"])
    assert not PortalGlobalKeys(lambda: refused).grab(["1"])
    assert absent.closed == refused.closed == 1


def test_no_session_bus_grabs_nothing():
    def broken():
        raise OSError("no session bus")

    assert not PortalGlobalKeys(broken).grab(["1"])


def test_wayland_without_x11_uses_the_portal(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    assert isinstance(global_keys_for("linux", {"WAYLAND_DISPLAY": "wayland-0"}), PortalGlobalKeys)
    assert isinstance(global_keys_for("linux", {}), NullGlobalKeys)


@pytest.fixture
def portal(tmp_path, monkeypatch):
    require("dbus-daemon")

    def start(answer):
        peer = stack.enter_context(running_shortcuts_portal(tmp_path, answer))
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", peer.address)
        return peer

    with ExitStack() as stack:
        yield start


def test_through_a_real_session_bus_the_keys_arrive_once_bound(portal):
    peer = portal(0)
    keys = PortalGlobalKeys()
    assert keys.grab(["1", "3"])
    assert peer.said() == "bind CTRL+ALT+1,CTRL+ALT+3"
    assert keys.bound.wait(5)
    peer.press("moment-3")
    wait_until(lambda: keys.pressed() == ["3"], what="Ctrl+Alt+3 through the portal")
    keys.stop()


def test_through_a_real_session_bus_a_declined_binding_hears_nothing(portal):
    peer = portal(1)
    keys = PortalGlobalKeys()
    assert keys.grab(["1"])
    assert peer.said() == "bind CTRL+ALT+1"
    keys.stop()
    assert not keys.bound.is_set() and keys.pressed() == []
