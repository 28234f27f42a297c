"""Who holds the microphone on Windows and macOS, through fakes of Core Audio and the registry."""

from __future__ import annotations

import threading

from platform_fakes import FakeRegistry

from companion.core.calls.detection import MicUser
from companion.edges.platform.choose import mic_watch_for
from companion.edges.platform.mic_macos import SOME_APP, MacMicWatch
from companion.edges.platform.mic_windows import CONSENT_STORE, WindowsMicWatch

ZOOM = MicUser("Zoom.exe", r"C:\Program Files\Zoom\bin\Zoom.exe")
OURS = r"C:\Program Files\RepCompanion\companion.exe"


class Sessions:
    def __init__(self, users=(), refuse=False):
        self.users, self.refuse, self.asked = list(users), refuse, threading.Event()

    def active(self):
        self.asked.set()
        if self.refuse:
            raise OSError("Core Audio: (-2147221008) CoInitialize has not been called")
        return self.users


def consent_store(**apps):
    return FakeRegistry(
        {
            ("HKCU", CONSENT_STORE + r"\NonPackaged\C:#Program Files#Zoom#bin#Zoom.exe"): {
                "LastUsedTimeStart": 133_700_000_000_000_000,
                "LastUsedTimeStop": apps.get("zoom_stop", 0),
            },
            ("HKCU", CONSENT_STORE + r"\NonPackaged\C:#Program Files#RepCompanion#companion.exe"): {
                "LastUsedTimeStart": 133_700_000_000_000_000,
                "LastUsedTimeStop": 0,
            },
            ("HKCU", CONSENT_STORE + r"\Microsoft.SkypeApp_kzf8qxf38zg5c"): {
                "LastUsedTimeStart": 133_600_000_000_000_000,
                "LastUsedTimeStop": 133_600_000_100_000_000,
            },
        }
    )


def test_windows_capture_sessions_name_the_apps():
    watch = WindowsMicWatch(Sessions([ZOOM]), consent_store(), OURS)
    watch.refresh()
    assert watch.users() == {ZOOM} and watch.method == "capture sessions"


def test_windows_falls_back_to_the_consent_store_leaving_out_our_own_recording():
    watch = WindowsMicWatch(Sessions(refuse=True), consent_store(), OURS)
    watch.refresh()
    assert watch.method == "ConsentStore"
    assert watch.users() == {MicUser("Zoom", r"C:\Program Files\Zoom\bin\Zoom.exe")}


def test_windows_an_app_that_let_go_is_not_in_use():
    watch = WindowsMicWatch(Sessions(refuse=True), consent_store(zoom_stop=1), OURS)
    watch.refresh()
    assert watch.users() == frozenset()


def test_windows_when_both_say_no_nothing_is_detected_and_nothing_breaks():
    watch = WindowsMicWatch(Sessions(refuse=True), FakeRegistry({}, refuse=True), OURS)
    watch.refresh()
    assert watch.users() == frozenset() and watch.method == "none"


def test_windows_watch_thread_asks_and_stops():
    sessions = Sessions([ZOOM])
    watch = WindowsMicWatch(sessions, consent_store(), OURS, interval=0.01)
    watch.start_watching()
    assert sessions.asked.wait(5)
    watch.stop()
    assert watch.users() == {ZOOM}


class Hardware:
    def __init__(self):
        self.running, self.apps, self.broken = False, [MicUser("zoom.us", "us.zoom.xos")], False

    def running_somewhere(self):
        if self.broken:
            raise OSError("Core Audio property 'gone': status 560947818")
        return self.running

    def input_apps(self):
        return self.apps


def test_macos_counts_the_microphone_only_once_it_stays_in_use():
    now = [0.0]
    hardware = Hardware()
    watch = MacMicWatch(hardware, clock=lambda: now[0], debounce=0.5)
    hardware.running = True
    watch.refresh()
    now[0] = 0.3
    watch.refresh()
    assert watch.users() == frozenset()  # a notification sound, so far
    now[0] = 0.6
    watch.refresh()
    assert watch.users() == {MicUser("zoom.us", "us.zoom.xos")}
    hardware.running = False  # a flicker off...
    now[0] = 0.7
    watch.refresh()
    hardware.running = True  # ...and back: still in use
    now[0] = 0.8
    watch.refresh()
    assert watch.users() == {MicUser("zoom.us", "us.zoom.xos")}
    hardware.running = False
    for now[0] in (1.0, 1.6):
        watch.refresh()
    assert watch.users() == frozenset()


def test_macos_before_14_2_reports_an_unnamed_app():
    now = [0.0]
    hardware = Hardware()
    hardware.running, hardware.apps = True, None
    watch = MacMicWatch(hardware, clock=lambda: now[0], debounce=0.5)
    for now[0] in (0.0, 1.0):
        watch.refresh()
    assert watch.users() == {SOME_APP}


def test_macos_core_audio_failing_reads_as_not_in_use():
    now = [0.0]
    hardware = Hardware()
    hardware.running, hardware.broken = True, True
    watch = MacMicWatch(hardware, clock=lambda: now[0], debounce=0.5)
    for now[0] in (0.0, 1.0):
        watch.refresh()
    assert watch.users() == frozenset()


def test_each_os_gets_its_own_watch():
    assert type(mic_watch_for("win32")).__name__ == "WindowsMicWatch"
    assert type(mic_watch_for("darwin")).__name__ == "MacMicWatch"
    assert type(mic_watch_for("linux")).__name__ in {"PulseMicWatch", "NullMicWatch"}
