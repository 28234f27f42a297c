"""Moment keys anywhere on Windows and macOS, through a fake of pynput's hot keys."""

from __future__ import annotations

from companion.edges.platform.choose import global_keys_for
from companion.edges.platform.keys_pynput import PynputGlobalKeys


class Listener:
    def __init__(self, mapping, trusted=None, fail=None):
        self.mapping, self.fail, self.log = mapping, fail, []
        if trusted is not None:
            self.IS_TRUSTED = trusted

    def start(self):
        self.log.append("start")
        if self.fail:
            raise self.fail

    def wait(self):
        self.log.append("wait")

    def stop(self):
        self.log.append("stop")


def keys(**options):
    made = []

    def factory(mapping):
        made.append(Listener(mapping, **options))
        return made[-1]

    return PynputGlobalKeys(factory), made


def test_ctrl_alt_digit_reaches_the_gui_and_stop_lets_go():
    found, made = keys()
    assert found.grab(["1", "2"])
    listener = made[0]
    assert set(listener.mapping) == {"<ctrl>+<alt>+1", "<ctrl>+<alt>+2"}
    listener.mapping["<ctrl>+<alt>+2"]()  # pynput's thread: the user pressed Ctrl+Alt+2
    listener.mapping["<ctrl>+<alt>+1"]()
    assert found.pressed() == ["2", "1"] and found.pressed() == []
    found.stop()
    assert listener.log == ["start", "wait", "stop"]


def test_macos_without_accessibility_grabs_nothing():
    found, made = keys(trusted=False)
    assert not found.grab(["1"])
    assert made[0].log[-1] == "stop"


def test_a_listener_that_cannot_start_grabs_nothing():
    found, _ = keys(fail=OSError("no hook"))
    assert not found.grab(["1"])
    assert found.pressed() == []


def test_windows_and_macos_use_pynput_linux_keeps_x11():
    assert isinstance(global_keys_for("win32"), PynputGlobalKeys)
    assert isinstance(global_keys_for("darwin"), PynputGlobalKeys)
    assert not isinstance(global_keys_for("linux"), PynputGlobalKeys)
