"""A transcript follows the audio's consent into the package, and nowhere else."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import jsonschema
import pyrage
import pytest

from companion.core.policy.parse import parse_policy
from companion.core.transcripts.model import SpokenWord, Transcript, TranscriptLine
from companion.edges.paths import resources_dir
from companion.edges.policy.files import default_policy_path
from companion.edges.sync.package import TRANSCRIPT_JSON, TRANSCRIPT_VTT, build_package
from companion.edges.sync.package_facts import (
    CallSummary,
    ConsentFact,
    PackageAudio,
    PackageFacts,
)

SCHEMA = json.loads((resources_dir() / "sync" / "manifest.schema.json").read_text("utf-8"))
SAID = Transcript(
    "pocketsphinx",
    "en-us (bundled)",
    "en",
    (TranscriptLine("customer", 0, 500, (SpokenWord("hello", 0, 500),)),),
)


def package(kind: str, transcript: Transcript | None = SAID):
    import numpy as np

    org = pyrage.x25519.Identity.generate()
    policy = parse_policy(default_policy_path().read_bytes(), "default")
    started = datetime.now(UTC) - timedelta(hours=1)
    outcome = "recorded" if kind == "granted" else "declined"
    summary = CallSummary(
        "5e1f0000-0000-4000-8000-000000000009", "Acme", "demo", "US", "alice",
        policy.version, "ended", outcome, None, started, started + timedelta(seconds=2),
    )  # fmt: skip
    consent = ConsentFact(kind, started, policy.version, "3", "en", "US", "alice")
    audio = PackageAudio(np.zeros((48_000, 2), dtype=np.int16), 48_000)
    facts = PackageFacts(summary, (consent,), (), {}, 1, audio, transcript)
    built = build_package(facts, policy, [str(org.to_public())])
    manifest = json.loads(pyrage.decrypt(built.files["manifest.json.age"], [org]))
    return built, manifest


def test_a_consented_call_carries_its_transcript_and_validates():
    built, manifest = package("granted")
    assert manifest["transcript"]["included"] and manifest["transcript"]["lines"] == 1
    assert {TRANSCRIPT_VTT + ".age", TRANSCRIPT_JSON + ".age"} <= set(built.files)
    jsonschema.Draft202012Validator(SCHEMA).validate(manifest)


def test_a_declined_call_never_carries_a_transcript_even_if_one_were_given():
    built, manifest = package("declined")
    assert manifest["audio"]["included"] is False
    assert manifest["transcript"] == {"included": False, "reason": "no audio in this package"}
    assert not any(name.startswith("transcript") for name in built.files)
    jsonschema.Draft202012Validator(SCHEMA).validate(manifest)


def test_the_schema_refuses_a_transcript_without_audio():
    _, manifest = package("granted")
    manifest["audio"] = {"included": False, "reason": "consent declined"}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(SCHEMA).validate(manifest)
