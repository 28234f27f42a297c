"""What the review window shows of a call's transcript: the lines, or where it stands."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from companion.core.policy.model import Transcription
from companion.core.transcripts.model import Transcript
from companion.edges.secrets import SecretStoreError
from companion.edges.store.transcripts import TranscriptFiles, TranscriptJobs

DEFAULT_MIN_CONFIDENCE = Transcription().min_word_confidence
NOT_YET = "No transcript yet: calls with recorded audio are transcribed after they end."
NEVER = "No transcript: nothing was recorded on this call, so there will be none."


@dataclass(frozen=True)
class TranscriptShown:
    transcript: Transcript | None
    status: str  # one sentence for the rep
    unsure_below: float = DEFAULT_MIN_CONFIDENCE  # words heard less surely are marked


class CallTranscripts:
    def __init__(
        self,
        files: TranscriptFiles,
        jobs: TranscriptJobs,
        min_confidence: Callable[[], float] = lambda: DEFAULT_MIN_CONFIDENCE,
    ) -> None:
        self._files, self._jobs, self._min_confidence = files, jobs, min_confidence

    def for_call(self, call_id: str, recorded: bool = True) -> TranscriptShown:
        """`recorded` False: the call has no recorded audio (declined, blocked, notes only)."""
        record = self._jobs.state(call_id)
        if record is None:
            return TranscriptShown(None, NOT_YET if recorded else NEVER)
        if record.state in ("queued", "running"):
            done = f": {record.progress:.0%}" if record.state == "running" else " (queued)"
            return TranscriptShown(None, f"Transcribing on this computer{done}.")
        if record.state == "failed":
            return TranscriptShown(None, f"Not transcribed: {record.error}")
        try:
            transcript = self._files.load(call_id)
        except SecretStoreError as error:
            return TranscriptShown(None, f"The transcript cannot be opened: {error.shown()}")
        if transcript is None:
            return TranscriptShown(None, "No transcript: this call has no recorded audio left.")
        masked = f", {transcript.redactions} item(s) masked" if transcript.redactions else ""
        below = self._min_confidence()
        unsure = any(w.confidence < below for line in transcript.lines for w in line.words)
        marks = (
            " Words marked (?) were unclear to the engine: no draft uses them." if unsure else ""
        )
        return TranscriptShown(
            transcript,
            f"Machine transcript ({transcript.engine}{masked}): a draft, check before relying "
            f"on it. Click a line to play it.{marks}",
            below,
        )
