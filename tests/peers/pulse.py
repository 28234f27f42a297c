"""A real sound server: PulseAudio with null sinks (see pulse-testbed.pa beside this file).

- `spk` ("Speakers"): its monitor `spk.monitor` is the far end (system audio).
- `micsink` ("MicSink"): whatever is played into it comes out of the source
  `virtmic`, the microphone.
- Two 10 ms loopbacks from a silent source keep both sinks running in low-latency
  mode; without them the first capture callback comes 0.2 to 2 s late.

Clients find this server through PULSE_RUNTIME_PATH (its socket is `native`
there); PortAudio reaches it through ALSA's `pulse` plugin. `asound-testbed.conf`
adds the ALSA devices `sysaudio` (spk.monitor) and `micin` (virtmic).
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from . import HERE, clean_env, ensure_alive, spawn, stop, wait_until

PROGRAMS = ("pulseaudio", "pactl")
SCRIPT = HERE / "pulse-testbed.pa"
ASOUND_CONF = HERE / "asound-testbed.conf"
SINKS = ("spk", "micsink")
SOURCES = ("spk.monitor", "virtmic")


@dataclass(frozen=True)
class PulsePeer:
    """A running PulseAudio; `env` holds the variables a client needs to reach it."""

    env: dict[str, str]
    log: Path

    def pactl(self, *args: str) -> str:
        result = subprocess.run(
            ["pactl", *args], env=clean_env(**self.env), capture_output=True, text=True, check=True
        )
        return result.stdout


@contextmanager
def running_pulse(root: Path) -> Iterator[PulsePeer]:
    """Start PulseAudio in the foreground under `root`; yield once its devices exist."""
    state = root / "state"
    state.mkdir(parents=True)
    client_env = {
        "PULSE_RUNTIME_PATH": str(root / "run"),
        "PULSE_STATE_PATH": str(state),
        "PULSE_COOKIE": str(root / "cookie"),
        "ALSA_CONFIG_PATH": f"/usr/share/alsa/alsa.conf:{ASOUND_CONF}",
    }
    log = root / "pulse.log"
    peer = PulsePeer(env=client_env, log=log)
    with ExitStack() as stack:
        # No D-Bus for the server: it does not need one, and must not find the test's bus.
        env = clean_env(**client_env)
        env.pop("DBUS_SESSION_BUS_ADDRESS", None)
        # -n: no default.pa, only our script; the server never exits on its own.
        command = ["pulseaudio", "--daemonize=no", "-n", "-F", str(SCRIPT), "--exit-idle-time=-1"]
        command += ["--disallow-exit", f"--log-target=file:{log}"]
        daemon = spawn(command, log=root / "pulse-stderr.log", env=env)
        stack.callback(stop, daemon)

        def devices_present() -> bool:
            ensure_alive(daemon, log)
            return _devices_present(peer)

        wait_until(devices_present, what="PulseAudio null sinks")
        yield peer


def _devices_present(peer: PulsePeer) -> bool:
    try:
        sinks = _running_names(peer.pactl("list", "short", "sinks"))
        sources = _names(peer.pactl("list", "short", "sources"))
    except subprocess.CalledProcessError:
        return False  # not answering yet
    # RUNNING sinks mean the keep-alive loopbacks are playing into them.
    return all(sink in sinks for sink in SINKS) and all(src in sources for src in SOURCES)


def _names(listing: str) -> set[str]:
    return {line.split("\t")[1] for line in listing.splitlines() if "\t" in line}


def _running_names(listing: str) -> set[str]:
    return {
        fields[1]
        for fields in (line.split("\t") for line in listing.splitlines())
        if len(fields) > 4 and fields[4] == "RUNNING"
    }
