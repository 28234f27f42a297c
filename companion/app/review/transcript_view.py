"""What the review window shows of a call's transcript: the lines, or where it stands."""

from __future__ import annotations

from dataclasses import dataclass

from companion.core.transcripts.model import Transcript
from companion.edges.secrets import SecretStoreError
from companion.edges.store.transcripts import TranscriptFiles, TranscriptJobs

NOT_YET = "No transcript yet: calls with recorded audio are transcribed after they end."
NEVER = "No transcript: nothing was recorded on this call, so there will be none."


@dataclass(frozen=True)
class TranscriptShown:
    transcript: Transcript | None
    status: str  # one sentence for the rep


class CallTranscripts:
    def __init__(self, files: TranscriptFiles, jobs: TranscriptJobs) -> None:
        self._files, self._jobs = files, jobs

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
        masked = f", {transcript.redactions} number(s) masked" if transcript.redactions else ""
        return TranscriptShown(
            transcript,
            f"Machine transcript ({transcript.engine}{masked}): a draft, check before relying "
            "on it. Click a line to play it.",
        )
