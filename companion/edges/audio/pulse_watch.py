"""Noticing when the sound server re-routes a capture stream: a headset unplugged mid-call.

PulseAudio (and PipeWire's pulse server) does not end a stream whose source goes
away; it moves it to another source, so PortAudio keeps delivering blocks and the
recording would silently switch from the headset to, say, the laptop's built-in
microphone. `pactl subscribe` reports every change without polling; on a source
or source-output event the watch lists this process's capture streams once and
compares each one's source with the source it was opened on.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import logging
import os
import shutil
import signal
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)
PR_SET_PDEATHSIG = 1
BASELINE_TRIES = 40  # our streams appear within ~100 ms of opening; allow 2 s
BASELINE_WAIT_SECONDS = 0.05


@dataclass(frozen=True)
class RouteChange:
    side: str
    now_on: str | None  # the source's description, or None when the stream is gone


def _die_with_parent() -> None:
    """In the child, before exec: end when the app ends, even by SIGKILL (Linux prctl)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def subscribe() -> subprocess.Popen[str]:
    """`pactl subscribe`: the server's events, one per line, without polling."""
    return subprocess.Popen(
        ["pactl", "subscribe"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,  # "Connection failure" without a sound server: logged by us
        text=True,
        bufsize=1,
        preexec_fn=_die_with_parent,
    )


def follow(process: subprocess.Popen[str], event: str, react: Callable[[], None]) -> None:
    """Call `react` on each server event line containing `event`, until pactl ends."""
    assert process.stdout is not None
    try:
        for line in process.stdout:  # blocks without CPU until the server says something
            if event not in line:
                continue
            try:
                react()
            except (OSError, ValueError, KeyError, subprocess.SubprocessError):
                log.warning("could not read the sound server's streams", exc_info=True)
    finally:
        with contextlib.suppress(OSError):
            process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5)
        process.stdout.close()


def pactl_json(*args: str) -> list[dict[str, object]]:
    done = subprocess.run(
        ["pactl", "-f", "json", *args], capture_output=True, text=True, timeout=5, check=False
    )
    return json.loads(done.stdout) if done.returncode == 0 and done.stdout.strip() else []


class PulseRouteWatch:
    """Which of our streams left the source it was opened on (`changes()`)."""

    def __init__(
        self,
        expected: dict[str, str],  # side -> PulseAudio source name it was opened on
        pid: int | None = None,
        query: Callable[..., list[dict[str, object]]] = pactl_json,
    ) -> None:
        self._expected, self._pid, self._query = expected, pid or os.getpid(), query
        self._outputs: dict[int, str] = {}  # source-output index -> side
        self._changes: dict[str, RouteChange] = {}
        self._lock = threading.Lock()
        self._process: subprocess.Popen[str] | None = None
        self._stopped = threading.Event()

    @staticmethod
    def available() -> bool:
        return shutil.which("pactl") is not None

    def start_watching(self) -> None:
        self._thread = threading.Thread(target=self._run, name="pulse-route-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Never raises: a watch that cannot stop cleanly must not keep a recording open."""
        self._stopped.set()
        with self._lock:
            process = self._process
        if process is not None:
            with contextlib.suppress(OSError):
                process.terminate()
        thread = getattr(self, "_thread", None)
        if thread is not None:
            thread.join(timeout=5)

    def changes(self) -> tuple[RouteChange, ...]:
        with self._lock:
            return tuple(self._changes.values())

    def _run(self) -> None:
        try:
            self._baseline()
            with self._lock:
                if self._stopped.is_set():
                    return
                self._process = subscribe()
            self._follow(self._process)
        except (OSError, ValueError, subprocess.SubprocessError):
            log.exception("cannot watch the sound server for unplugged devices")

    def _follow(self, process: subprocess.Popen[str]) -> None:
        follow(process, " on source", self.check)  # "source" and "source-output" events

    def _baseline(self) -> None:
        for _ in range(BASELINE_TRIES):
            if self._stopped.wait(BASELINE_WAIT_SECONDS):
                return
            names = self._source_names()
            for output in self._ours():
                name = names.get(int(str(output["source"])))
                for side, expected in self._expected.items():
                    if name == expected and side not in self._outputs.values():
                        self._outputs[int(str(output["index"]))] = side
            if len(set(self._outputs.values())) == len(self._expected):
                return

    def check(self) -> None:
        """Compare each of our streams' current source with the one it was opened on."""
        names, descriptions = self._source_names(), self._descriptions()
        current = {int(str(o["index"])): int(str(o["source"])) for o in self._ours()}
        with self._lock:
            for index, side in self._outputs.items():
                source = current.get(index)
                if source is None:
                    self._changes[side] = RouteChange(side, None)
                elif names.get(source) != self._expected[side]:
                    self._changes[side] = RouteChange(side, descriptions.get(source))
                else:
                    self._changes.pop(side, None)

    def _ours(self) -> list[dict[str, object]]:
        outputs = self._query("list", "source-outputs")
        pid = str(self._pid)
        return [o for o in outputs if stream_properties(o).get("application.process.id") == pid]

    def _source_names(self) -> dict[int, str]:
        return {int(str(s["index"])): str(s["name"]) for s in self._query("list", "sources")}

    def _descriptions(self) -> dict[int, str]:
        return {
            int(str(s["index"])): str(s.get("description") or s["name"])
            for s in self._query("list", "sources")
        }


def stream_properties(entry: dict[str, object]) -> dict[str, str]:
    properties = entry.get("properties")
    return properties if isinstance(properties, dict) else {}
