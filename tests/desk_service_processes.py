"""`companion desk serve` in subprocesses of a test, several on one database and store
(the test kills only these, by their process)."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Service:
    """`companion desk serve` in a subprocess of this test (the test kills only these)."""

    config: str
    port: int
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> Service:
        command = [sys.executable, "-m", "companion", "desk", "serve", "--config", self.config,
                   "--listen", f"127.0.0.1:{self.port}", "--ingest-every", "0"]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        return self

    def wait(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + 90  # a loaded 2-core machine starts Python slowly
        while not self._answers():  # poll until the API answers (401: unsigned)
            assert self.process.poll() is None, self.process.communicate()[1].decode()
            assert time.monotonic() < deadline, "the desk service did not start"
            time.sleep(0.02)

    def _answers(self) -> bool:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1)
            connection.request("GET", "/calls")
            return connection.getresponse().status == 401
        except OSError:
            return False

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:  # still draining after the faults: end it
                self.process.kill()
                self.process.wait(timeout=10)


@contextmanager
def services(world, count: int = 2):
    config = str(world.config_file())
    running = [Service(config, _port()) for _ in range(count)]
    try:
        for service in running:  # side by side: each start is mostly imports
            service.start()
        for service in running:
            service.wait()
        yield running
    finally:
        for service in running:
            service.stop()
