"""A transcript is call data, governed like the audio: masked, sealed, synced only with
the audio, exported for the rep, deleted with the audio, found by the library."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyrage
import pytest
import webvtt
from peers.sounds import FAR_END, MIC, play, speech
from sqlalchemy import select

from companion.app.calls.service import CallRequest
from companion.app.compose import build_context
from companion.app.library.search import LibraryQuery
from companion.app.retention_sweep import sweep
from companion.app.sync.call_package import package_call
from companion.core.transcripts.redaction import is_number_word
from companion.edges.store import audit
from companion.edges.store.models import CallReviewRecord
from companion.edges.sync.package import TRANSCRIPT_JSON, TRANSCRIPT_VTT

pytestmark = pytest.mark.usefixtures("secret_service", "pulse_testbed")

# A Luhn-valid test card (4111 1111 1111 1111) said as people say it: with "thousand",
# "double" and digit words. The real default model writes it in digits, words or a mix.
CARD = (
    "my card number is four thousand one hundred eleven, one one one one, "
    "double one, double one, one one one one"
)


@pytest.fixture
def context(recording_context):
    return recording_context


@pytest.fixture(scope="module")
def spoken(tmp_path_factory):
    return tmp_path_factory.mktemp("speech")


def transcribed_call(context, spoken) -> str:
    calls = context.calls
    calls.start_call(CallRequest("Acme", "demo", "US"))
    calls.mark_consent()
    play(MIC, speech(spoken, "thanks for joining the call today"))
    play(FAR_END, speech(spoken, CARD))
    call_id = calls.current.details.call_id
    calls.end_call()
    assert context.transcription.run_pending() == [call_id]
    return call_id


@dataclass(frozen=True)
class Recorded:
    profile: Path  # where the call was recorded: the store keeps absolute paths
    pristine: Path  # the profile as the call left it
    call_id: str


@pytest.fixture(scope="module")
def recorded(tmp_path_factory, spoken, secret_service, pulse_testbed) -> Recorded:
    """The card-number call, said and transcribed under the default policy once per module
    (speech plays in real time, then the model runs): most tests here only read it."""
    root = tmp_path_factory.mktemp("recorded")
    profile = root / "companion-home"
    profile.mkdir()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("COMPANION_HOME", str(profile))
        env.setenv("COMPANION_SYSTEM_CONFIG", str(root / "system-config"))
        context = build_context()  # the product's own recorder and transcription
        try:
            call_id = transcribed_call(context, spoken)
        finally:
            context.transcription.stop()
            context.store.kw["bind"].dispose()  # the database is closed before it is copied
    shutil.copytree(profile, root / "pristine")
    return Recorded(profile, root / "pristine", call_id)


@pytest.fixture
def said(recorded, monkeypatch, make_context):
    """A context on a fresh copy of the recorded profile, and the call's id: what one test
    changes (exports, a retention sweep) the next does not see."""
    shutil.rmtree(recorded.profile)
    shutil.copytree(recorded.pristine, recorded.profile)
    monkeypatch.setenv("COMPANION_HOME", str(recorded.profile))
    context = make_context(real_audio=True)
    yield context, recorded.call_id
    context.transcription.stop()


def spoken_words(transcript) -> list[str]:
    return [w.text for line in transcript.lines for w in line.words]


def test_digit_runs_are_masked_in_the_stored_and_synced_transcript(said, tmp_path):
    context, call_id = said
    transcript = context.transcripts.load(call_id)
    words = spoken_words(transcript)
    assert "[number]" in words and transcript.redactions >= 1
    assert not any(is_number_word(w) for w in words), words
    assert "card" in " ".join(words).lower()  # the real model heard the sentence
    with context.store() as db:
        created = [e for e in audit.entries(db) if e["kind"] == "transcript.created"]
    assert created[-1]["payload"]["redactions"] == transcript.redactions
    assert "four" not in json.dumps(created[-1])  # the count, never the digits

    org = pyrage.x25519.Identity.generate()
    policy = context.active_policy().policy
    key = context.audio_keys.master_key()
    package = package_call(context.store, call_id, policy, key, [str(org.to_public())])
    manifest = json.loads(pyrage.decrypt(package.files["manifest.json.age"], [org]))
    assert manifest["transcript"]["included"] and manifest["transcript"]["machine_made"]
    assert manifest["transcript"]["redactions"] == transcript.redactions
    vtt_bytes = pyrage.decrypt(package.files[TRANSCRIPT_VTT + ".age"], [org])
    synced = json.loads(pyrage.decrypt(package.files[TRANSCRIPT_JSON + ".age"], [org]))
    synced_words = [w[0] for line in synced["lines"] for w in line["words"]]
    assert "[number]" in synced_words and not any(is_number_word(w) for w in synced_words)

    # The organisation reads it with the age CLI, and it is WebVTT with voice spans.
    (tmp_path / "key.txt").write_text(f"{org}\n", encoding="utf-8")
    sealed = tmp_path / "transcript.vtt.age"
    sealed.write_bytes(package.files[TRANSCRIPT_VTT + ".age"])
    assert shutil.which("age"), "the age CLI is installed by .ci/run"
    done = subprocess.run(
        ["age", "-d", "-i", str(tmp_path / "key.txt"), str(sealed)], capture_output=True
    )
    assert done.returncode == 0 and done.stdout == vtt_bytes
    (tmp_path / "t.vtt").write_bytes(done.stdout)
    captions = webvtt.read(str(tmp_path / "t.vtt"))
    assert {c.voice for c in captions} == {"Rep", "Customer"}


def test_the_package_says_which_crm_text_was_drafted_and_who_confirmed_it(context, spoken):
    calls = context.calls
    calls.start_call(CallRequest("Acme", "demo", "US"))
    calls.mark_consent()
    play(MIC, speech(spoken, "i will send you the proposal on friday"))
    call_id = calls.current.details.call_id
    calls.end_call()
    context.transcription.run_pending()
    fields = {f.key: f for f in context.review.review(call_id).crm_fields}
    drafted = sorted(key for key, field in fields.items() if field.draft)
    assert drafted, fields
    context.review.crm.confirm_crm_field(call_id, drafted[0])
    context.review.crm.set_crm_field(call_id, "qualification", "typed by the rep")
    org = pyrage.x25519.Identity.generate()
    policy = context.active_policy().policy
    key = context.audio_keys.master_key()
    package = package_call(context.store, call_id, policy, key, [str(org.to_public())])
    manifest = json.loads(pyrage.decrypt(package.files["manifest.json.age"], [org]))
    provenance = manifest["crm_provenance"]
    assert provenance[drafted[0]] == {"drafted": True, "confirmed_by": context.rep}
    for other in drafted[1:]:
        assert provenance[other] == {"drafted": True, "confirmed_by": None}
    assert "qualification" not in provenance  # the rep's own text: nothing to declare


def test_the_policy_can_silence_the_masked_number_in_the_synced_audio(context, spoken):
    import io

    import numpy as np
    import soundfile as sf

    from companion.app.calls.audio_export import call_audio
    from companion.core.transcripts.call_time import audio_frame
    from companion.core.transcripts.redaction import masked_spans
    from companion.edges.policy.files import default_policy_path
    from companion.edges.store.recordings import kept_segments

    text = default_policy_path().read_text(encoding="utf-8")
    muting = text.replace("mute_redacted_audio = false", "mute_redacted_audio = true")
    assert muting != text
    context.paths.policy_override.write_text(muting, "utf-8")
    call_id = transcribed_call(context, spoken)
    transcript = context.transcripts.load(call_id)
    spans = [(s.call_offset_ms, s.frames) for s in kept_segments(context.store, call_id)]
    masks = masked_spans(transcript)
    assert masks and {speaker for speaker, _, _ in masks} == {"customer"}
    _, start_ms, end_ms = masks[0]
    start, end = audio_frame(start_ms, spans, 48_000), audio_frame(end_ms, spans, 48_000)
    kept, _ = call_audio(context.store, call_id, context.audio_keys.master_key())

    org = pyrage.x25519.Identity.generate()
    key = context.audio_keys.master_key()
    policy = context.active_policy().policy
    package = package_call(context.store, call_id, policy, key, [str(org.to_public())])
    ogg = pyrage.decrypt(package.files["audio.ogg.age"], [org])
    synced, _ = sf.read(io.BytesIO(ogg), dtype="int16", always_2d=True)

    def rms(samples) -> float:
        return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))

    assert rms(kept[start:end, 1]) > 300  # the number was spoken here, and is kept locally
    assert rms(synced[start + 480 : end - 480, 1]) < 30  # silent in what the org receives
    assert rms(synced[: start - 4800, 1]) > 300  # the rest of the customer's words are there


def test_the_rep_exports_webvtt_with_voices_and_markdown(said, tmp_path):
    context, call_id = said
    out = tmp_path / "call.vtt"
    context.exports.transcript(call_id, "vtt", out)
    captions = webvtt.read(str(out))
    assert [c.voice for c in captions][:1] == ["Rep"]
    assert "Customer" in {c.voice for c in captions}
    assert "joining" in captions[0].text
    markdown = tmp_path / "call.md"
    context.exports.transcript(call_id, "md", markdown)
    text = markdown.read_text(encoding="utf-8")
    assert "**" in text and "Customer:" in text and "Machine transcript" in text
    with context.store() as db:
        assert any(e["kind"] == "transcript.exported" for e in audit.entries(db))


def test_the_library_finds_a_call_by_what_was_said(said):
    context, call_id = said
    hits = context.search_calls(LibraryQuery(text="joining"))
    assert [row.call_id for row in hits] == [call_id]
    assert context.search_calls(LibraryQuery(text="pineapple")) == []
    assert context.search_calls(LibraryQuery(text="card")) != []  # the sentence is indexed
    for number in ("4111", "1111", "four", "thousand", "double", "one", "eleven"):
        assert context.search_calls(LibraryQuery(text=number)) == [], number  # its digits not


def test_the_rep_s_exports_hold_the_mask_not_the_number(said, tmp_path):
    context, call_id = said
    for kind in ("vtt", "md"):
        out = tmp_path / f"call.{kind}"
        context.exports.transcript(call_id, kind, out)
        text = re.sub(r"\d+:\d\d(:\d\d)?([.,]\d+)?", " ", out.read_text(encoding="utf-8"))
        assert "[number]" in text, kind
        assert not re.findall(r"\d{4,}", text), (kind, text)
        spoken = {w.strip(".,;:!?*").lower() for w in text.split()}
        assert not spoken & {"four", "one", "thousand", "hundred", "eleven", "double"}, text
    out = tmp_path / "call.json"
    context.exports.transcript(call_id, "json", out)
    exported = json.loads(out.read_text(encoding="utf-8"))
    words = [w[0] for line in exported["lines"] for w in line["words"]]
    assert "[number]" in words and not any(is_number_word(w) for w in words), words


def test_retention_deletes_the_transcript_with_the_audio(said):
    context, call_id = said
    sealed = context.transcripts.path_for(call_id)
    assert sealed.exists()
    with context.store.begin() as db:
        review = db.scalars(
            select(CallReviewRecord).where(CallReviewRecord.call_id == call_id)
        ).one()
        review.sync_state = "synced"
    report = sweep(context.store, context.active_policy().policy, "rep", today=date(2031, 1, 1))
    assert [c for c, _, _ in report.deleted] == [call_id]
    assert not sealed.exists()
    assert context.transcripts.load(call_id) is None
    assert context.search_calls(LibraryQuery(text="joining")) == []
    with context.store() as db:
        kinds = [e["kind"] for e in audit.entries(db) if e["call_id"] == call_id]
        assert audit.verify(db) == []
    assert "transcript.deleted" in kinds


def test_withdrawal_with_discard_leaves_nothing_to_transcribe(context, spoken):
    calls = context.calls
    calls.start_call(CallRequest("Acme", "demo", "US"))
    calls.mark_consent()
    play(FAR_END, speech(spoken, CARD))
    calls.withdraw_consent()  # the default policy discards
    call_id = calls.current.details.call_id
    calls.end_call()
    assert context.transcription.run_pending() == []
    assert context.transcripts.load(call_id) is None
    assert not context.transcripts.path_for(call_id).exists()


def test_with_muting_no_audio_leaves_before_its_transcript_is_done(context, spoken, tmp_path):
    from datetime import UTC, datetime

    from call_helpers import CRM

    from companion.app.sync.call_package import TranscriptPending
    from companion.app.sync.worker import SyncWorker
    from companion.edges.policy.files import default_policy_path
    from companion.edges.store.transcripts import TranscriptJobs
    from companion.edges.sync.folder_target import FolderTarget

    org = pyrage.x25519.Identity.generate()
    text = default_policy_path().read_text(encoding="utf-8")
    muting = text.replace("mute_redacted_audio = false", "mute_redacted_audio = true")
    muting += f'\n[sync]\nrecipients = ["{org.to_public()}"]\n'
    context.paths.policy_override.write_text(muting, "utf-8")
    calls = context.calls
    calls.start_call(CallRequest("Acme", "demo", "US"))
    calls.mark_consent()
    play(FAR_END, speech(spoken, CARD))
    call_id = calls.current.details.call_id
    calls.end_call()
    for key in CRM:
        context.review.crm.set_crm_field(call_id, key, f"{key}: done")
    context.review.crm.mark_ready(call_id)  # ready before transcription ran

    share = tmp_path / "share"
    share.mkdir()
    worker = SyncWorker(context.store, FolderTarget(share), context.audio_keys.master_key, "rep")
    report = worker.run_once(context.active_policy().policy)
    assert report.delivered == [] and report.failed == []
    assert "1 waiting for the transcript" in report.summary()
    assert not [p for p in share.iterdir() if p.name.startswith("call-")]

    jobs = TranscriptJobs(context.store)
    jobs.queue(call_id, datetime.now(UTC))
    jobs.mark(call_id, "failed", datetime.now(UTC), error="no engine")  # failed for good
    policy = context.active_policy().policy
    with pytest.raises(TranscriptPending, match="failed"):  # the policy says: wait
        package_call(
            context.store, call_id, policy, context.audio_keys.master_key(), [str(org.to_public())]
        )
    without = muting.replace(
        "mute_redacted_audio = true",
        'mute_redacted_audio = true\nuntranscribed_audio = "without_audio"',
    )
    context.paths.policy_override.write_text(without, "utf-8")
    assert worker.run_once(context.active_policy().policy).delivered == [call_id]
    package = next(p for p in share.iterdir() if p.name.startswith("call-"))
    assert not any(p.name.startswith("audio") for p in package.iterdir())  # nothing unmuted
