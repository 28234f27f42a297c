"""The two sides of a call as capture sources: the rep's microphone and the far end.

Linux (PulseAudio or PipeWire's pulse server): PortAudio reaches the sound server
through the ALSA `pulse` device; which source it records is chosen with
PULSE_SOURCE at open time. The far end is the default sink's monitor.
Windows: a WASAPI loopback input where PortAudio offers one. macOS: a virtual
loopback device (BlackHole, Loopback) if installed. Where there is none, the rep is
told before the call that only their side will be recorded.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from enum import StrEnum

from companion.edges.audio.devices import AudioUnavailable, InputDevice, list_inputs

LOOPBACK_HINTS = ("loopback", "blackhole", "soundflower", "stereo mix", "what u hear")


class Side(StrEnum):
    MIC = "mic"
    FAR_END = "far_end"


@dataclass(frozen=True)
class CaptureSource:
    side: Side
    label: str
    device: int | str  # PortAudio device index or name
    pulse_source: str | None = None  # set PULSE_SOURCE to this while opening

    @property
    def key(self) -> str:
        """A stable name to remember the rep's choice by."""
        return self.pulse_source or str(self.device)


@dataclass(frozen=True)
class SourcePlan:
    mic: CaptureSource | None
    far_end: CaptureSource | None
    explanation: str

    def sources(self) -> list[CaptureSource]:
        return [s for s in (self.mic, self.far_end) if s is not None]


def _pactl(*args: str) -> str | None:
    if shutil.which("pactl") is None:
        return None
    try:
        done = subprocess.run(["pactl", *args], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def pulse_sources() -> list[str] | None:
    """Source names from the pulse server, or None when there is no pulse server."""
    raw = _pactl("-f", "json", "list", "short", "sources")
    if raw is None:
        return None
    return [str(item["name"]) for item in json.loads(raw or "[]")]


def pulse_descriptions() -> dict[str, str]:
    """Source name -> the description a person reads ("Built-in Audio Analog Stereo")."""
    raw = _pactl("-f", "json", "list", "sources")
    try:
        listed = json.loads(raw or "[]")
    except ValueError:
        return {}
    return {str(s["name"]): str(s.get("description") or s["name"]) for s in listed}


def _pulse_plan(
    inputs: list[InputDevice], mic_choice: str | None, far_choice: str | None
) -> SourcePlan | None:
    device = next((d for d in inputs if d.name == "pulse"), None)
    names = pulse_sources()
    if device is None or names is None:
        return None
    monitors = [n for n in names if n.endswith(".monitor")]
    mics = [n for n in names if not n.endswith(".monitor")]
    default_sink = _pactl("get-default-sink")
    mic_name = mic_choice if mic_choice in mics else _pactl("get-default-source")
    if mic_name not in mics:
        mic_name = mics[0] if mics else ""
    far_name = far_choice if far_choice in monitors else f"{default_sink}.monitor"
    if far_name not in monitors:
        far_name = ""  # none: only the rep's side
    mic = CaptureSource(Side.MIC, mic_name, device.index, mic_name) if mic_name else None
    far = CaptureSource(Side.FAR_END, far_name, device.index, far_name) if far_name else None
    return SourcePlan(mic, far, _explain(mic, far))


def _device_plan(
    inputs: list[InputDevice], mic_choice: str | None, far_choice: str | None
) -> SourcePlan:
    loopbacks = [d for d in inputs if any(h in d.name.lower() for h in LOOPBACK_HINTS)]
    mics = [d for d in inputs if d not in loopbacks]
    mic_device = next((d for d in mics if str(d.index) == mic_choice), None) or next(
        (d for d in mics if d.is_default), mics[0] if mics else None
    )
    far_device = next((d for d in loopbacks if str(d.index) == far_choice), None) or (
        loopbacks[0] if loopbacks else None
    )
    mic = CaptureSource(Side.MIC, mic_device.name, mic_device.index) if mic_device else None
    far = CaptureSource(Side.FAR_END, far_device.name, far_device.index) if far_device else None
    return SourcePlan(mic, far, _explain(mic, far))


def _explain(mic: CaptureSource | None, far: CaptureSource | None) -> str:
    if mic and far:
        return f"both sides: your microphone ({mic.label}) and the call audio ({far.label})"
    if mic:
        hint = (
            "install a loopback device such as BlackHole"
            if sys.platform == "darwin"
            else "no system-audio source was found"
        )
        return f"only your side ({mic.label}); the customer's side will not be recorded ({hint})"
    if far:
        return f"only the call audio ({far.label}); no microphone found"
    return "nothing: no microphone and no system-audio source found"


def plan_sources(
    mic_choice: str | None = None, far_choice: str | None = None, rescan: bool = False
) -> SourcePlan:
    """What a recording would capture now; raises AudioUnavailable without PortAudio."""
    inputs = list_inputs(rescan)
    if not inputs:
        raise AudioUnavailable("no audio input device found; connect a microphone or headset")
    return _pulse_plan(inputs, mic_choice, far_choice) or _device_plan(
        inputs, mic_choice, far_choice
    )


def source_options() -> tuple[list[CaptureSource], list[CaptureSource]]:
    """Every microphone and every call-audio source the rep could choose from."""
    inputs = list_inputs()
    device = next((d for d in inputs if d.name == "pulse"), None)
    names = pulse_sources() if device is not None else None
    if device is not None and names is not None:
        words = pulse_descriptions()  # what the rep chooses by; the name is what is kept
        return (
            [
                CaptureSource(Side.MIC, words.get(n, n), device.index, n)
                for n in names
                if not n.endswith(".monitor")
            ],
            [
                CaptureSource(Side.FAR_END, words.get(n, n), device.index, n)
                for n in names
                if n.endswith(".monitor")
            ],
        )
    loopbacks = [d for d in inputs if any(h in d.name.lower() for h in LOOPBACK_HINTS)]
    return (
        [CaptureSource(Side.MIC, d.name, d.index) for d in inputs if d not in loopbacks],
        [CaptureSource(Side.FAR_END, d.name, d.index) for d in loopbacks],
    )
