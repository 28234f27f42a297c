"""What a call package is built from: the call's facts as plain values, no database rows.

The app reads them from the store (and decodes the audio); the package format in
`package` turns them into the encrypted files, so the format knows no store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from companion.core.transcripts.model import Transcript

if TYPE_CHECKING:  # numpy loads only when a package carries audio
    import numpy as np


@dataclass(frozen=True)
class CallSummary:
    id: str
    account: str
    call_type: str
    region: str
    rep: str
    policy_version: str
    state: str
    outcome: str
    outcome_reason: str | None
    started_at: datetime
    ended_at: datetime | None


@dataclass(frozen=True)
class ConsentFact:
    kind: str  # granted, declined, withdrawn, unclear
    at: datetime
    policy_version: str
    script_version: str | None
    language: str | None
    jurisdiction: str | None
    rep: str
    script_sha256: str = ""  # of the exact text read (empty: recorded before it was kept)
    script_text: str | None = None  # where the policy keeps the text


@dataclass(frozen=True)
class MomentFact:
    offset_ms: int
    tag: str | None
    tag_label: str | None
    note: str
    had_audio: bool
    draft: bool
    created_at: datetime | None


@dataclass(frozen=True)
class PackageAudio:
    frames: np.ndarray  # (n, sides) int16, every kept segment in order
    rate: int


@dataclass(frozen=True)
class PackageFacts:
    call: CallSummary
    consent_events: tuple[ConsentFact, ...]
    moments: tuple[MomentFact, ...]
    crm_fields: dict[str, str]
    kept_segments: int  # segments not discarded, whether or not their files still exist
    audio: PackageAudio | None = None  # decoded kept audio, when the call may carry it
    transcript: Transcript | None = None  # decrypted, when the audio goes too
    # Per CRM field: whether it was drafted by the app and who confirmed the draft.
    crm_provenance: dict[str, dict[str, str | bool | None]] | None = None
