"""macOS: the speakers' sound through a Core Audio process tap, else a loopback device.

macOS 14.2+ taps the system output without any driver: a global stereo tap (excluding
no process) is made part of a private aggregate device, which PortAudio then records
like a microphone. macOS asks the rep once ("System Audio Recording"); refused, the tap
is not created. Older macOS, or a refusal: a virtual device such as BlackHole, if
installed and set as (part of) the output (docs/windows-macos.md says how).
"""

from __future__ import annotations

import logging
import platform
import queue
import sys
from collections.abc import Callable
from typing import Protocol

from companion.core.calls.grant import CaptureGrant
from companion.edges.audio.capture import SAMPLE_RATE, Block, SourceStream
from companion.edges.audio.devices import AudioUnavailable, list_inputs
from companion.edges.audio.sources import LOOPBACK_HINTS, CaptureSource, Side
from companion.edges.platform.call_audio import CallAudioFormat

log = logging.getLogger(__name__)
TAP_NAME = "Rep Companion call audio"
FIX_PERMISSION = (
    "Allow Rep Companion in System Settings > Privacy & Security > Screen & System Audio "
    "Recording (System Audio Recording Only), or install BlackHole (docs/windows-macos.md)."
)


class TapRefused(Exception):
    """Core Audio returned an error status (e.g. the rep refused the permission)."""


class Taps(Protocol):
    def supported(self) -> bool: ...

    def create(self, name: str) -> str:
        """Make the tap and its aggregate device; its name. TapRefused if the OS says no."""
        ...

    def destroy(self) -> None: ...


class Closeable(Protocol):
    def close(self) -> None: ...


StreamOpener = Callable[[CaptureSource, CaptureGrant, "queue.SimpleQueue[Block]", int], Closeable]


def open_source_stream(
    source: CaptureSource, grant: CaptureGrant, blocks: queue.SimpleQueue[Block], index: int
) -> Closeable:
    if source.label == TAP_NAME:
        list_inputs(rescan=True)  # PortAudio lists devices once: show it the new one
    stream = SourceStream(index, source, grant, blocks)
    stream.open()
    return stream


def loopback_inputs() -> list[str]:
    return [d.name for d in list_inputs() if any(h in d.name.lower() for h in LOOPBACK_HINTS)]


class CoreAudioTaps:
    """The real taps through pyobjc-framework-CoreAudio (imported when first used)."""

    def __init__(self) -> None:
        self._ids: list[int] = []

    def supported(self) -> bool:
        release = tuple(int(p) for p in (platform.mac_ver()[0] or "0").split(".")[:2])
        return sys.platform == "darwin" and release >= (14, 2)

    def create(self, name: str) -> str:
        assert sys.platform == "darwin"  # checked by `mypy --platform darwin`
        import CoreAudio

        description = CoreAudio.CATapDescription.alloc().initStereoGlobalTapButExcludeProcesses_([])
        description.setName_(name)
        description.setPrivate_(True)
        status, tap = CoreAudio.AudioHardwareCreateProcessTap(description, None)
        if status != 0:
            raise TapRefused(f"AudioHardwareCreateProcessTap: status {status}")
        self._ids.append(int(tap))
        uid = str(description.UUID().UUIDString())
        aggregate = {
            "uid": f"com.repcompanion.tap.{uid}",  # kAudioAggregateDeviceUIDKey
            "name": name,  # kAudioAggregateDeviceNameKey
            "private": 1,  # kAudioAggregateDeviceIsPrivateKey: this process only
            "tapautostart": 1,  # kAudioAggregateDeviceTapAutoStartKey
            "taps": [{"uid": uid}],  # kAudioAggregateDeviceTapListKey / kAudioSubTapUIDKey
        }
        status, device = CoreAudio.AudioHardwareCreateAggregateDevice(aggregate, None)
        if status != 0:
            self.destroy()
            raise TapRefused(f"AudioHardwareCreateAggregateDevice: status {status}")
        self._ids.insert(0, -int(device))  # aggregate first: destroyed before its tap
        return name

    def destroy(self) -> None:
        assert sys.platform == "darwin"
        import CoreAudio

        ids, self._ids = self._ids, []
        for each in ids:
            if each < 0:
                CoreAudio.AudioHardwareDestroyAggregateDevice(-each)
            else:
                CoreAudio.AudioHardwareDestroyProcessTap(each)


class MacCallAudio:
    def __init__(
        self,
        taps: Taps,
        loopbacks: Callable[[], list[str]] = loopback_inputs,
        open_stream: StreamOpener = open_source_stream,
    ) -> None:
        self._taps, self._loopbacks, self._open_stream = taps, loopbacks, open_stream
        self._stream: Closeable | None = None
        self._tapped = False

    def find(self) -> str | None:
        if self._taps.supported():
            return "the Mac's sound output (process tap)"
        found = self._loopbacks()
        return found[0] if found else None

    def open(
        self, grant: CaptureGrant, blocks: queue.SimpleQueue[Block], index: int
    ) -> CallAudioFormat:
        grant.require_active()
        refused: TapRefused | None = None
        device: str | None = None
        if self._taps.supported():
            try:
                device = self._taps.create(TAP_NAME)
                self._tapped = True
            except TapRefused as error:
                log.warning("no process tap: %s", error)
                refused = error
        if device is None:
            found = self._loopbacks()
            device = found[0] if found else None
        if device is None:
            raise AudioUnavailable(
                "macOS did not let Rep Companion hear the call's other side"
                + (f" ({refused})." if refused else " (no process tap before macOS 14.2)."),
                FIX_PERMISSION,
            )
        try:
            self._stream = self._open_stream(
                CaptureSource(Side.FAR_END, device, device), grant, blocks, index
            )
        except AudioUnavailable:
            self.close()
            raise
        return CallAudioFormat(SAMPLE_RATE, 1)

    def close(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.close()
        if self._tapped:
            self._tapped = False
            self._taps.destroy()
