"""Moment keys on a Wayland session through the GlobalShortcuts portal (a fake portal link)."""

from __future__ import annotations

import threading

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
