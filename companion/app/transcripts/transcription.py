"""Transcribing a finished call on the laptop: each side on its own, drafts after.

The mic is the rep and the far end the customer, so speaker labels come free. Only
kept segments are read, which exist only for stretches recorded under consent, so
speech while asking, paused or after a withdrawal is in no transcript. Times are
mapped from the joined audio back to call time across pauses.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session, sessionmaker

from companion.app.review.service import ReviewService
from companion.app.transcripts.drafts import add_drafts
from companion.core.policy.model import Policy
from companion.core.transcripts.call_time import call_ms
from companion.core.transcripts.model import (
    Speaker,
    SpokenWord,
    Transcript,
    TranscriptLine,
    in_time_order,
)
from companion.core.transcripts.redaction import MaskRules, redact
from companion.edges.speech.transcriber import Transcriber, Utterance
from companion.edges.store import audit
from companion.edges.store.recordings import consent_language, kept_segments
from companion.edges.store.transcripts import TranscriptFiles

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)
SIDES: tuple[tuple[int, Speaker], ...] = ((0, "rep"), (1, "customer"))
CallProgress = Callable[[float], None]


def lines_for_side(
    utterances: list[Utterance], speaker: Speaker, spans: list[tuple[int, int]], rate: int
) -> list[TranscriptLine]:
    lines = []
    for utterance in utterances:
        words = tuple(
            SpokenWord(
                w.text, call_ms(w.start, spans, rate), call_ms(w.end, spans, rate), w.confidence
            )
            for w in utterance.words
        )
        lines.append(TranscriptLine(speaker, words[0].start_ms, words[-1].end_ms, words))
    return lines


def _side_progress(progress: CallProgress, index: int) -> CallProgress:
    return lambda fraction: progress((index + fraction) / len(SIDES))


class CallTranscriber:
    """One call at a time: decode in memory, transcribe both sides, seal, index, draft."""

    def __init__(
        self,
        store: sessionmaker[Session],
        files: TranscriptFiles,
        master_key: Callable[[], bytes],
        review: ReviewService,
        actor: str,
        clock: Callable[[], datetime],
    ) -> None:
        self._store, self._files, self._master_key = store, files, master_key
        self._review, self._actor, self._clock = review, actor, clock

    def transcribe(
        self, call_id: str, engine: Transcriber, policy: Policy | None, progress: CallProgress
    ) -> Transcript | None:
        """The stored transcript; None if the call has no kept audio (nothing to do)."""
        from companion.edges.speech.prepare import is_silent

        segments = kept_segments(self._store, call_id)
        if not segments:
            return None
        sides, spans, rate = self._speech_sides(call_id, progress)
        lines: list[TranscriptLine] = []
        language = consent_language(self._store, call_id)  # the consent script's; None: detect
        for index, (samples, (_, speaker)) in enumerate(zip(sides, SIDES, strict=True)):
            if is_silent(samples):
                continue
            heard = engine.transcribe(samples, _side_progress(progress, index), language)
            lines.extend(lines_for_side(heard, speaker, spans, rate))
        info = engine.info
        said_in = (language or "auto") if info.language == "per call" else info.language
        transcript = Transcript(info.name, info.model, said_in, in_time_order(lines))
        # Masked here, before anything is stored: the sealed file, the search index,
        # the drafts, and so every export and package, only ever see the masked words.
        transcript = redact(
            transcript, MaskRules.from_policy(policy.transcription if policy else None)
        )
        at = self._clock()
        self._files.save(call_id, transcript, at)
        drafted = add_drafts(self._review, call_id, transcript, policy)
        with self._store.begin() as db:
            audit.append(
                db,
                "transcript.created",
                self._actor,
                {
                    "engine": info.name,
                    "model": info.model,
                    "lines": len(transcript.lines),
                    "redactions": transcript.redactions,
                    "draft_moments": drafted.moments,
                    "draft_crm_fields": drafted.crm_fields,
                },
                call_id=call_id,
                at=at,
            )
        return transcript

    def _speech_sides(
        self, call_id: str, progress: CallProgress
    ) -> tuple[list[np.ndarray], list[tuple[int, int]], int]:
        """Both sides at 16 kHz, each segment decoded a second at a time (an hour of
        48 kHz stereo is 690 MB; the two 16 kHz sides are a third of that)."""
        import numpy as np

        from companion.edges.speech.prepare import segment_for_speech

        key = self._master_key()
        parts: list[list[np.ndarray]] = [[], []]
        spans: list[tuple[int, int]] = []  # as decoded: the clock the words are timed by
        rate = 48_000
        for segment in kept_segments(self._store, call_id):
            if not segment.path.exists():
                continue
            progress(0.0)  # the worker holds the job here while a call records
            sides, frames, rate = segment_for_speech(segment.path, key)
            spans.append((segment.call_offset_ms, frames))
            for side, _ in SIDES:
                parts[side].append(sides[side])
        joined = [np.concatenate(p) if p else np.zeros(0, dtype=np.int16) for p in parts]
        return joined, spans, rate
