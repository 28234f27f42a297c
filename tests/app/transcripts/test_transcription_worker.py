"""The transcription job's lifecycle: after the call, never beside a recording, and a
quit (or crash) mid-way resumes at the next start."""

from __future__ import annotations

import os
import threading

import pytest
from peers.sounds import FAR_END, MIC, play, speech

from companion.app.calls.service import CallRequest
from companion.app.transcripts.worker import TranscriptionProgress
from companion.core.calls.session import CallState
from companion.edges.store.transcripts import TranscriptJobs

pytestmark = pytest.mark.usefixtures("secret_service", "pulse_testbed")


@pytest.fixture
def context(recording_context):
    return recording_context


def recorded_call(context, folder, sentences=2) -> str:
    calls = context.calls
    calls.start_call(CallRequest("Acme", "demo", "US"))
    calls.mark_consent()
    for _ in range(sentences):
        play(MIC, speech(folder, "thanks for joining the call today"))
        play(FAR_END, speech(folder, "we need a security review before we sign"))
    call_id = calls.current.details.call_id
    calls.end_call()
    return call_id


class Reports:
    def __init__(self) -> None:
        self.seen: list[TranscriptionProgress] = []
        self.event = threading.Event()

    def __call__(self, progress: TranscriptionProgress) -> None:
        self.seen.append(progress)
        self.event.set()

    def wait_for(self, state: str, timeout: float = 30) -> TranscriptionProgress:
        for _ in range(int(timeout * 10)):
            found = [p for p in self.seen if p.state == state]
            if found:
                return found[-1]
            self.event.wait(0.1)
            self.event.clear()
        raise AssertionError(f"no '{state}' report in {[p.state for p in self.seen]}")


def test_a_quit_mid_transcription_resumes_at_the_next_start(context, tmp_path, make_context):
    call_id = recorded_call(context, tmp_path, sentences=3)
    reports = Reports()
    worker = context.transcription
    worker.subscribe(reports)
    worker.start_jobs()
    worker.kick()
    for _ in range(300):  # until it is truly under way
        if any(p.state == "running" and p.fraction > 0 for p in reports.seen):
            break
        reports.event.wait(0.1)
    worker.stop()  # the tray's Quit
    if any(p.state == "done" for p in reports.seen):
        pytest.fail("the job finished before the quit; the call is too short to test this")
    assert TranscriptJobs(context.store).state(call_id).state == "running"
    assert context.transcripts.load(call_id) is None

    again = make_context(real_audio=True)  # the next start, on the same profile
    assert again.transcription.run_pending() == [call_id]
    assert again.transcripts.load(call_id).lines


def test_nothing_is_transcribed_while_a_call_records(context, tmp_path):
    first = recorded_call(context, tmp_path)
    calls = context.calls
    calls.start_call(CallRequest("Globex", "demo", "US"))
    calls.mark_consent()
    assert calls.current.state is CallState.RECORDING
    reports = Reports()
    context.transcription.subscribe(reports)
    context.transcription.start_jobs()
    context.transcription.kick()
    waiting = reports.wait_for("waiting")
    assert waiting.call_id == first and "recording" in waiting.detail
    reports.event.wait(2.0)
    assert not [p for p in reports.seen if p.state == "running" and p.fraction > 0]
    calls.end_call()  # the worker is kicked by the call's end
    done = reports.wait_for("done", timeout=60)
    assert done.call_id in (first, calls.current.details.call_id)


def test_the_worker_thread_runs_at_the_lowest_priority(context, tmp_path):
    recorded_call(context, tmp_path)
    niceness: list[int] = []

    def seen(progress: TranscriptionProgress) -> None:
        if progress.state == "running" and not niceness:
            niceness.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))

    context.transcription.subscribe(seen)
    context.transcription.start_jobs()
    context.transcription.kick()
    for _ in range(300):
        if niceness:
            break
        threading.Event().wait(0.1)
    assert niceness == [19]


def test_without_a_usable_policy_calls_wait_for_one(context, tmp_path):
    call_id = recorded_call(context, tmp_path, sentences=1)
    context.paths.policy_override.write_text("not = [valid", encoding="utf-8")
    assert context.transcription.run_pending() == []  # no masking rule to apply: wait
    assert context.transcripts.load(call_id) is None
    context.paths.policy_override.unlink()  # the built-in policy again
    assert context.transcription.run_pending() == [call_id]


def test_an_engine_that_cannot_load_is_said_once_per_pass_and_calls_stay_queued(
    make_context, caplog
):
    from datetime import UTC, datetime

    ctx = make_context()  # notes only: the job is queued by hand, as a finished call's is
    calls = ctx.calls
    calls.start_call(CallRequest("Acme", "demo", "US"))
    calls.mark_decline()
    call_id = calls.current.details.call_id
    calls.end_call()
    jobs = TranscriptJobs(ctx.store)
    jobs.queue(call_id, datetime.now(UTC))
    nowhere = str(ctx.paths.data_dir / "no-model-here")
    ctx.settings.save(
        ctx.settings.load().with_changes(
            transcription_engine="faster-whisper", transcription_model_dir=nowhere
        )
    )
    reports = Reports()
    ctx.transcription.subscribe(reports)
    assert ctx.transcription.run_pending() == []
    failed = reports.wait_for("failed", timeout=1)
    assert failed.call_id == call_id and "not a faster-whisper model folder" in failed.detail
    assert jobs.state(call_id).state == "queued"  # it goes once the engine can load
    assert "Traceback" not in caplog.text
