"""A speech engine in its own process: the tray's memory is the same after a transcription.

A Whisper model is 300-400 MB of RSS while it works, and CTranslate2's allocator does
not hand all of it back after an unload. So the engine runs in a child process
(`python -m companion.edges.speech.isolated`) started for a transcription pass, at nice
19, and ended by `unload()`: what it used goes back to the system with the process.

The child asks before each stretch of speech ("progress"): the parent's progress
callback answers only when the work may go on, so a call that starts recording holds
the child between two stretches, as it held the engine in-process before. Messages are
pickled over the child's stdin/stdout (the child is this app's own code).
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import struct
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from companion.core.errors import UserFacingError
from companion.edges.speech.transcriber import (
    EngineInfo,
    EngineUnavailable,
    Progress,
    Transcriber,
    Utterance,
)

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)
LOWEST_PRIORITY = 19
_HEADER = struct.Struct("!Q")


@dataclass(frozen=True)
class EngineSpec:
    """What the child needs to build the engine: plain data, pickled to it."""

    name: str
    model_dir: str | None = None
    language: str | None = None


def _send(stream: IO[bytes], message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)))
    stream.write(data)
    stream.flush()


def _receive(stream: IO[bytes]) -> Any:
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise EOFError
    (size,) = _HEADER.unpack(header)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return pickle.loads(data)


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM), in MB; 0 where /proc is absent."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _cpu_seconds() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class IsolatedEngine:
    """A Transcriber whose engine lives in a child process, from first use to unload()."""

    def __init__(self, spec: EngineSpec, info: EngineInfo) -> None:
        self._spec, self._info = spec, info
        self._child: subprocess.Popen[bytes] | None = None
        self.peak_rss_mb = 0.0  # the child's, after its last transcription
        self.cpu_seconds = 0.0  # the child's CPU time so far (user + system), for benches

    @property
    def info(self) -> EngineInfo:
        return self._info

    @property
    def child_pid(self) -> int | None:
        """The transcription process, while it runs (None before and after a pass)."""
        return self._child.pid if self._child is not None else None

    def _start(self) -> subprocess.Popen[bytes]:
        if self._child is None or self._child.poll() is not None:
            self._child = subprocess.Popen(
                [sys.executable, "-m", "companion.edges.speech.isolated"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env={**os.environ, "OMP_NUM_THREADS": "2"},
            )
            assert self._child.stdin is not None
            _send(self._child.stdin, self._spec)
        return self._child

    def transcribe(
        self, samples: np.ndarray, progress: Progress, language: str | None = None
    ) -> list[Utterance]:
        import numpy as np

        child = self._start()
        assert child.stdin is not None and child.stdout is not None
        try:
            _send(child.stdin, ("transcribe", language, np.ascontiguousarray(samples)))
            while True:
                message = _receive(child.stdout)
                if message[0] == "progress":
                    progress(message[1])  # may hold here while a call records
                    _send(child.stdin, "go")
                elif message[0] == "done":
                    self.peak_rss_mb, self.cpu_seconds = message[2], message[3]
                    return list(message[1])
                else:  # ("error", message, fix): the engine's own UserFacingError
                    raise EngineUnavailable(message[1], message[2])
        except (EOFError, BrokenPipeError) as error:
            code = child.poll()
            self.unload()
            raise EngineUnavailable(
                f"the transcription process stopped unexpectedly (exit code {code})",
                "the call stays queued; if this repeats, see the log",
            ) from error
        except BaseException:
            self._end(at_once=True)  # a quit or a bug mid-way: the child must not outlive it
            raise

    def unload(self) -> None:
        self._end(at_once=False)

    def _end(self, at_once: bool) -> None:
        child, self._child = self._child, None
        if child is None:
            return
        try:
            if at_once:
                child.kill()
            elif child.stdin is not None:
                child.stdin.close()  # the child's loop ends at end of input
            child.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            child.kill()
            child.wait()
        for stream in (child.stdin, child.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


def isolated(spec: EngineSpec) -> Transcriber:
    """The engine `spec` names, run in a child process. Its model is checked here first
    (not loaded): a missing or damaged one is an EngineUnavailable before any call is
    taken up, so the calls stay queued."""
    from companion.edges.speech.engines import make_engine
    from companion.edges.speech.whisper_engine import WhisperEngine

    engine = make_engine(spec.name, spec.model_dir, spec.language)
    if isinstance(engine, WhisperEngine):
        engine.check()
    return IsolatedEngine(spec, engine.info)


def _child_main(stdin: IO[bytes], stdout: IO[bytes]) -> None:
    from companion.edges.speech.engines import make_engine

    # Threads made later inherit it; where the platform has none, normal priority.
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, 0, LOWEST_PRIORITY)
    spec: EngineSpec = _receive(stdin)
    engine = make_engine(spec.name, spec.model_dir, spec.language)

    def ask(fraction: float) -> None:
        _send(stdout, ("progress", fraction))
        if _receive(stdin) != "go":
            raise EOFError

    while True:
        try:
            _kind, language, samples = _receive(stdin)
        except EOFError:
            return
        try:
            heard = engine.transcribe(samples, ask, language)
        except EOFError:  # the parent ended the pass (a quit): stop quietly
            return
        except UserFacingError as error:
            _send(stdout, ("error", error.message, error.fix))
            continue
        _send(stdout, ("done", tuple(heard), peak_rss_mb(), _cpu_seconds()))


if __name__ == "__main__":
    # Anything printed by a library must not reach the message pipe: stdout is ours.
    pipe_out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    _child_main(sys.stdin.buffer, pipe_out)
