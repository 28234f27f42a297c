"""The four things that differ by OS, each a seam with a Linux, a Windows and a macOS side.

- the call's other side (system audio): `call_audio*.py` (PulseAudio monitor; WASAPI
  loopback through PyAudioWPatch; a Core Audio process tap, else a BlackHole-like device);
- who holds the microphone: Linux's watch is `audio/mic_watch.py`; `mic_windows.py` (Core
  Audio capture sessions via pycaw, the ConsentStore registry keys as fallback) and
  `mic_macos.py` (kAudioDevicePropertyDeviceIsRunningSomewhere, debounced);
- system-wide moment keys: Linux's X11 grab is `global_keys.py`; `keys_pynput.py` on
  Windows and macOS;
- settings IT pushes: `managed_schema.py` describes them once (plain data; the ADMX/ADML
  and .mobileconfig are generated from it by `packaging/managed/generate.py`), read from
  /etc (`managed.py`), HKLM\\Software\\Policies (`managed_windows.py`, via `registry.py`)
  or macOS managed preferences (`managed_macos.py`).

`choose.py` picks each side by `sys.platform` at start. The Windows and macOS sides import
their OS libraries lazily, take the OS layer as a small typed Protocol, and are tested on
Linux against fakes of that layer (tests/integration/platform/).
"""
