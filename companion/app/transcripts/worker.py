"""The transcription job's thread: after calls end, at low priority, never while recording.

The queue is the `transcripts` table, so a quit or crash mid-way resumes at the next
start. The thread waits while a call records: transcribing beside a live recording
would compete with the encoder for two cores, and the recording's CPU budget is fixed.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from companion.app.transcripts.transcription import CallTranscriber
from companion.core.errors import UserFacingError, shown
from companion.core.policy.model import Policy
from companion.edges.memory import give_back_memory
from companion.edges.secrets import SecretStoreError
from companion.edges.settings import SettingsFile
from companion.edges.speech.engines import DEFAULT_ENGINE, make_engine
from companion.edges.speech.isolated import EngineSpec, isolated
from companion.edges.speech.transcriber import EngineUnavailable, Transcriber
from companion.edges.store.transcripts import TranscriptJobs

log = logging.getLogger(__name__)
IDLE_WAIT_SECONDS = 30.0
RECORDING_POLL_SECONDS = 0.5
LOWEST_PRIORITY = 19


@dataclass(frozen=True)
class TranscriptionProgress:
    call_id: str
    state: str  # running, done, failed, waiting (a call is recording)
    fraction: float
    detail: str = ""


ProgressListener = Callable[[TranscriptionProgress], None]


class _Stopped(Exception):
    """The app is quitting: leave the job as running, so the next start resumes it."""


def engine_spec(policy: Policy | None, settings: SettingsFile) -> EngineSpec:
    """The rep's choice in Settings, else the policy's, else faster-whisper with the
    bundled model. The language is each call's own (its consent script's), not set here."""
    chosen = settings.load()
    rules = policy.transcription if policy else None
    name = chosen.transcription_engine or (rules.engine if rules else DEFAULT_ENGINE)
    model_dir = chosen.transcription_model_dir or (rules.model_dir if rules else None)
    return EngineSpec(name, model_dir)


def engine_for(policy: Policy | None, settings: SettingsFile) -> Transcriber:
    """The engine for a transcription pass, in a child process of its own (nice 19)."""
    return isolated(engine_spec(policy, settings))


def engine_words(policy: Policy | None, settings: SettingsFile) -> str:
    """Which engine, model and language will transcribe: for Settings (nothing loads)."""
    try:
        spec = engine_spec(policy, settings)
        info = make_engine(spec.name, spec.model_dir).info
    except UserFacingError as error:
        return f"none usable: {error.shown()}"
    return f"{info.name}, model {info.model}, language {info.language}"


class TranscriptionWorker:
    def __init__(
        self,
        jobs: TranscriptJobs,
        transcriber: CallTranscriber,
        policy: Callable[[], Policy | None],
        engine: Callable[[Policy | None], Transcriber],
        recording_now: Callable[[], bool],
        clock: Callable[[], datetime],
    ) -> None:
        self._jobs, self._transcriber, self._policy = jobs, transcriber, policy
        self._engine, self._recording_now, self._clock = engine, recording_now, clock
        self._listeners: list[ProgressListener] = []
        self._kick, self._stop = threading.Event(), threading.Event()
        self._thread: threading.Thread | None = None

    def subscribe(self, listener: ProgressListener) -> None:
        """Called on the worker's thread: a GUI listener must hand over to its own."""
        self._listeners.append(listener)

    def start_jobs(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="transcription", daemon=True)
            self._thread.start()

    def kick(self) -> None:
        """A call ended (or the app started): look for work now."""
        self._kick.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._kick.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        _lower_own_priority()
        while not self._stop.is_set():
            try:
                self.run_pending()
            except _Stopped:
                return
            except Exception:  # a bug: logged; the thread stays for the next call
                log.exception("transcription pass failed")
            self._kick.wait(IDLE_WAIT_SECONDS)
            self._kick.clear()

    def run_pending(self) -> list[str]:
        """Transcribe every queued call (on the caller's thread); the ones done."""
        policy = self._policy()
        # No usable policy: no masking rule, no key phrases. Calls wait, queued, for one.
        if policy is None or not policy.transcription.enabled:
            return []
        self._jobs.queue_finished(self._clock())
        done: list[str] = []
        engine: Transcriber | None = None
        try:
            for call_id in self._jobs.pending():
                self._wait_while_recording(call_id, policy)
                try:
                    engine = engine or self._engine(policy)
                    if self._run_one(call_id, engine, policy):
                        done.append(call_id)
                except EngineUnavailable as error:  # no model, a damaged one: calls stay queued
                    log.warning("transcription waits: %s", error)
                    self._publish(TranscriptionProgress(call_id, "failed", 0.0, shown(error)))
                    break
        finally:
            if engine is not None:
                engine.unload()  # idle memory after a pass is measured
                # No gc.collect() here: on this thread it would free the GUI's cyclic
                # garbage (Qt objects) off the GUI thread, which crashes Qt.
                give_back_memory()
        return done

    def _run_one(self, call_id: str, engine: Transcriber, policy: Policy | None) -> bool:
        self._jobs.mark(call_id, "running", self._clock())
        self._publish(TranscriptionProgress(call_id, "running", 0.0))

        def progress(fraction: float) -> None:
            self._wait_while_recording(call_id, policy)
            self._publish(TranscriptionProgress(call_id, "running", fraction))

        try:
            transcript = self._transcriber.transcribe(call_id, engine, policy, progress)
        except EngineUnavailable:  # the engine's fault, not the call's: it stays queued
            self._jobs.mark(call_id, "queued", self._clock())
            raise
        except SecretStoreError as error:  # a locked keyring: try again at the next pass
            self._jobs.mark(call_id, "queued", self._clock())
            self._publish(TranscriptionProgress(call_id, "waiting", 0.0, shown(error)))
            return False
        except UserFacingError as error:
            log.warning("call %s not transcribed: %s", call_id, error)
            self._jobs.mark(call_id, "failed", self._clock(), error=shown(error))
            self._publish(TranscriptionProgress(call_id, "failed", 0.0, shown(error)))
            return False
        if transcript is None:  # no kept audio any more (withdrawn, expired)
            self._jobs.mark(call_id, "done", self._clock(), 1.0)
        lines = len(transcript.lines) if transcript else 0
        self._publish(TranscriptionProgress(call_id, "done", 1.0, f"{lines} lines"))
        return True

    def _wait_while_recording(self, call_id: str, policy: Policy | None) -> None:
        announced = False
        allowed = policy is not None and policy.transcription.while_recording
        while not allowed and self._recording_now():
            if self._stop.is_set():
                raise _Stopped
            if not announced:
                self._publish(TranscriptionProgress(call_id, "waiting", 0.0, "a call is recording"))
                announced = True
            self._stop.wait(RECORDING_POLL_SECONDS)
        if self._stop.is_set():
            raise _Stopped

    def _publish(self, progress: TranscriptionProgress) -> None:
        for listener in self._listeners:
            try:
                listener(progress)
            except Exception:  # a listener's bug must not stop transcription
                log.exception("transcription progress listener failed")


def _lower_own_priority() -> None:
    """Nice 19 for this thread only (Linux threads have their own nice value)."""
    if sys.platform.startswith("linux"):
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), LOWEST_PRIORITY)
        except OSError as error:
            log.info("transcription runs at normal priority: %s", error)
