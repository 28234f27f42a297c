"""Each seam's side for this OS, chosen once at start (by `sys.platform`, or a given name).

Imports here are of our own modules only; every OS library is imported later, when a
side first talks to the OS, so this module loads on any platform. Another OS's sides are
imported only when chosen: the Linux tray does not keep macOS and Windows code in memory.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

from companion.edges.audio.mic_watch import MicWatch, mic_watch
from companion.edges.global_keys import GlobalKeys, NullGlobalKeys, global_keys
from companion.edges.platform.call_audio import CallAudio, PulseMonitorAudio
from companion.edges.platform.keys_portal import PortalGlobalKeys
from companion.edges.platform.keys_pynput import PynputGlobalKeys
from companion.edges.platform.managed import (
    EtcManagedSettings,
    ManagedSettingsReader,
    system_config_dir,
)


def call_audio_for(system: str = sys.platform) -> CallAudio:
    if system == "win32":
        from companion.edges.platform.call_audio_windows import WasapiLoopbackAudio

        return WasapiLoopbackAudio()
    if system == "darwin":
        from companion.edges.platform.call_audio_macos import CoreAudioTaps, MacCallAudio

        return MacCallAudio(CoreAudioTaps())
    return PulseMonitorAudio()


def far_end_for(system: str = sys.platform) -> CallAudio | None:
    """For the recorder: Linux's monitor is already a PortAudio source (`plan_sources`)."""
    return None if system == "linux" else call_audio_for(system)


def mic_watch_for(system: str = sys.platform) -> MicWatch:
    if system == "win32":
        from companion.edges.platform.mic_windows import PycawSessions, WindowsMicWatch
        from companion.edges.platform.registry import WinRegistry

        return WindowsMicWatch(PycawSessions(), WinRegistry())
    if system == "darwin":
        from companion.edges.platform.mic_macos import CoreAudioMic, MacMicWatch

        return MacMicWatch(CoreAudioMic())
    return mic_watch()


def global_keys_for(
    system: str = sys.platform, environ: Mapping[str, str] = os.environ
) -> GlobalKeys:
    if system in ("win32", "darwin"):
        return PynputGlobalKeys()
    keys = global_keys()
    if isinstance(keys, NullGlobalKeys) and environ.get("WAYLAND_DISPLAY"):
        return PortalGlobalKeys()  # a Wayland session without X11: the desktop's portal
    return keys


def managed_settings_for(system: str = sys.platform) -> ManagedSettingsReader:
    if system == "win32":
        from companion.edges.platform.managed_windows import RegistryManagedSettings
        from companion.edges.platform.registry import WinRegistry

        return RegistryManagedSettings(WinRegistry())
    if system == "darwin":
        from companion.edges.platform.managed_macos import CFPreferences, PreferencesManagedSettings

        return PreferencesManagedSettings(CFPreferences())
    return EtcManagedSettings(system_config_dir())
