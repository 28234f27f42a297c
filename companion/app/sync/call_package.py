"""Packaging a call for the organisation: its facts from the store, then the format.

The format (`edges.sync.package`) knows no database; this reads the call's rows, and
decodes its kept audio only when the package may carry it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from companion.app.calls.audio_export import ExportError, call_audio
from companion.core.policy.model import Policy
from companion.core.transcripts.call_time import audio_frame
from companion.core.transcripts.model import Transcript
from companion.core.transcripts.redaction import masked_spans
from companion.edges.store.models import AuditEventRecord, CallRecord
from companion.edges.store.recordings import kept_segments
from companion.edges.store.transcripts import TranscriptJobs, load_transcript
from companion.edges.sync.package import CallPackage, PackageError, audio_wanted, build_package
from companion.edges.sync.package_facts import (
    CallSummary,
    ConsentFact,
    MomentFact,
    PackageAudio,
    PackageFacts,
)

if TYPE_CHECKING:
    import numpy as np
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


def package_call(
    store: sessionmaker[Session],
    call_id: str,
    policy: Policy,
    master_key: bytes | None,
    recipients: list[str],
    seal: Callable[[str, bytes, list[str]], bytes] | None = None,
    device_key: Ed25519PrivateKey | None = None,
) -> CallPackage:
    """The encrypted package of an ended call; `master_key` decodes its audio, if any;
    `device_key` signs it (see `core.access.devices`)."""
    facts = _facts(store, call_id)
    if recipients and facts.call.state == "ended" and audio_wanted(facts):
        if not _transcript_settled(store, call_id, policy):  # the policy: go without audio
            return build_package(facts, policy, recipients, seal)
        if master_key is None:
            raise PackageError("The audio key is needed to package this call's recording.")
        try:
            frames, rate = call_audio(store, call_id, master_key)
        except ExportError:  # the rows say kept, but no file is left
            pass
        else:
            key = master_key
            transcript = load_transcript(store, call_id, lambda: key)
            if transcript is not None and policy.transcription.mute_redacted_audio:
                spans = [(s.call_offset_ms, s.frames) for s in kept_segments(store, call_id)]
                mute_masked(frames, rate, spans, transcript)
            facts = replace(facts, audio=PackageAudio(frames, rate), transcript=transcript)
    return build_package(facts, policy, recipients, seal, device_key)


class TranscriptPending(PackageError):
    """The policy mutes masked numbers, and the call's transcript is not done: wait."""


def _transcript_settled(store: sessionmaker[Session], call_id: str, policy: Policy) -> bool:
    """Whether the audio may go now (True), or the package goes without it (False).

    When the policy silences masked numbers, no audio leaves before its transcript says
    where the numbers are: the package waits (`TranscriptPending`) while transcription is
    pending, and after it failed for good too unless the policy says to send no audio.
    """
    rules = policy.transcription
    if not rules.mute_redacted_audio or rules.redact_digit_runs is None:
        return True
    job = TranscriptJobs(store).state(call_id)
    state = job.state if job is not None else ("failed" if not rules.enabled else "queued")
    if state == "done":
        return True
    if state != "failed":
        raise TranscriptPending(
            "It waits for its transcript: the policy silences spoken numbers in the audio."
        )
    if rules.untranscribed_audio == "without_audio":
        return False
    raise TranscriptPending(
        "Its transcript failed, and the policy silences spoken numbers in the audio, so "
        "it waits: tell IT (the policy may send such calls without audio)."
    )


def mute_masked(
    frames: np.ndarray, rate: int, spans: list[tuple[int, int]], transcript: Transcript
) -> int:
    """Silence, on the speaker's own side, each stretch the transcript masked; how many."""
    muted = 0
    for speaker, start_ms, end_ms in masked_spans(transcript):
        side = 0 if speaker == "rep" else 1
        start, end = audio_frame(start_ms, spans, rate), audio_frame(end_ms, spans, rate)
        if start is None:
            continue
        frames[start : (end if end is not None else len(frames)), side] = 0
        muted += 1
    return muted


def crm_provenance(db: Session, call_id: str) -> dict[str, dict[str, str | bool | None]]:
    """Per CRM field: drafted by the app? confirmed by whom? (from the audit trail)."""
    rows = db.scalars(
        select(AuditEventRecord)
        .where(
            AuditEventRecord.call_id == call_id,
            AuditEventRecord.kind.in_(("crm.drafted", "crm.confirmed")),
        )
        .order_by(AuditEventRecord.seq)
    ).all()
    found: dict[str, dict[str, str | bool | None]] = {}
    for row in rows:
        key = str(json.loads(row.payload).get("field", ""))
        entry = found.setdefault(key, {"drafted": False, "confirmed_by": None})
        if row.kind == "crm.drafted":
            entry["drafted"], entry["confirmed_by"] = True, None
        else:
            entry["confirmed_by"] = row.actor
    return found


def _facts(store: sessionmaker[Session], call_id: str) -> PackageFacts:
    with store() as db:
        call = db.get(CallRecord, call_id)
        if call is None:
            raise PackageError(f"There is no call {call_id}.")
        summary = CallSummary(
            call.id,
            call.account,
            call.call_type,
            call.region,
            call.rep,
            call.policy_version,
            call.state,
            call.outcome,
            call.outcome_reason,
            call.started_at,
            call.ended_at,
        )
        events = tuple(
            ConsentFact(
                e.kind,
                e.at,
                e.policy_version,
                e.script_version,
                e.language,
                e.jurisdiction,
                e.rep,
                e.script_sha256,
                e.script_text,
            )
            for e in call.consent_events
        )
        moments = tuple(
            MomentFact(m.offset_ms, m.tag, m.tag_label, m.note, m.had_audio, m.draft, m.created_at)
            for m in call.moments
        )
        crm = {note.field_key: note.text for note in call.crm_notes}
        provenance = crm_provenance(db, call_id)
    return PackageFacts(
        summary,
        events,
        moments,
        crm,
        len(kept_segments(store, call_id)),
        crm_provenance=provenance,
    )
