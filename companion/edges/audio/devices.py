"""Which audio inputs PortAudio can see, explained in words a rep can act on."""

from __future__ import annotations

from dataclasses import dataclass

from companion.core.errors import UserFacingError


class AudioUnavailable(UserFacingError):
    """PortAudio is missing, or has no input device; the message says which."""


@dataclass(frozen=True)
class InputDevice:
    index: int
    name: str
    host_api: str
    channels: int
    default_rate: float
    is_default: bool


def list_inputs(rescan: bool = False) -> list[InputDevice]:
    """Input devices PortAudio sees.

    PortAudio lists devices once, when it starts: a headset plugged in (or a sound
    server started) later stays invisible until it is re-initialised. `rescan` does
    that; call it only while no stream is open, as re-initialising closes them.
    """
    try:
        import sounddevice as sd
    except OSError as error:  # the wheel on Linux needs the system PortAudio
        raise AudioUnavailable(
            f"PortAudio is not installed ({error}); on Debian/Ubuntu: apt install libportaudio2"
        ) from error
    if rescan:
        sd._terminate()  # sounddevice's documented way to refresh the device list
        sd._initialize()
    try:
        devices = sd.query_devices()
        host_apis = sd.query_hostapis()
        default_input = sd.default.device[0]
    except sd.PortAudioError as error:
        raise AudioUnavailable(f"PortAudio cannot list devices: {error}") from error
    return [
        InputDevice(
            index=index,
            name=str(info["name"]),
            host_api=str(host_apis[info["hostapi"]]["name"]),
            channels=int(info["max_input_channels"]),
            default_rate=float(info["default_samplerate"]),
            is_default=index == default_input,
        )
        for index, info in enumerate(devices)
        if int(info["max_input_channels"]) > 0
    ]
