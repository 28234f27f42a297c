"""The call package: what syncs, encrypted for the organisation and readable with `age`."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import shutil
import subprocess

import jsonschema
import pyrage
import pytest
import soundfile as sf
from peers import uses_audio_peer
from peers.sounds import MIC, band_energy, play, tone

from companion.app.calls.service import CallRequest
from companion.app.sync.call_package import package_call
from companion.core.calls.session import CallState
from companion.edges.paths import resources_dir
from companion.edges.sync.package import (
    AUDIO,
    INDEX,
    MANIFEST,
    MOMENTS,
    CallPackage,
    PackageError,
)

SCHEMA = json.loads((resources_dir() / "sync" / "manifest.schema.json").read_text("utf-8"))


@pytest.fixture
def org():
    """The organisation's age identity; its public key is the policy's recipient."""
    return pyrage.x25519.Identity.generate()


@pytest.fixture
def context(companion_home, make_context, request):
    ctx = make_context(real_audio=uses_audio_peer(request))
    yield ctx
    if ctx.calls.current is not None and ctx.calls.current.state is not CallState.ENDED:
        ctx.calls.end_call()


def policy(ctx):
    return ctx.active_policy().policy


def decrypt(package: CallPackage, name: str, identity) -> bytes:
    return pyrage.decrypt(package.files[name + ".age"], [identity])


def manifest_of(package: CallPackage, identity) -> dict:
    return json.loads(decrypt(package, MANIFEST, identity))


def validate(manifest: dict) -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    jsonschema.Draft202012Validator(SCHEMA).validate(manifest)


def declined_call(ctx) -> str:
    calls = ctx.calls
    session = calls.start_call(CallRequest("Acme <GmbH>", "discovery", "DE", "de"))
    calls.mark_decline("de")
    calls.mark_moment("pain_point", "Budget frozen until Q3 --> ask again")
    calls.mark_moment(None, "line one\n\nline two & more")
    calls.end_call()
    return session.details.call_id


def test_a_declined_call_syncs_evidence_and_notes_but_no_audio(context, org):
    call_id = declined_call(context)
    package = package_call(context.store, call_id, policy(context), None, [str(org.to_public())])
    assert sorted(package.files) == ["manifest.json.age", "moments.vtt.age"]
    manifest = manifest_of(package, org)
    validate(manifest)
    assert manifest["consent"]["status"] == "declined"
    assert manifest["consent"]["reason"]
    assert manifest["consent"]["script_version"] == "3"
    assert manifest["consent"]["language"] == "de"
    assert [e["kind"] for e in manifest["consent"]["events"]] == ["declined"]
    # The evidence stands without an archive of old policies: the hash of the words read.
    read, _ = context.active_policy().policy.consent_script("de")
    digest = hashlib.sha256(read.encode("utf-8")).hexdigest()
    assert manifest["consent"]["script_sha256"] == digest
    assert manifest["consent"]["events"][0]["script_sha256"] == digest
    assert "script_text" not in manifest["consent"]["events"][0]  # unless the policy asks
    assert manifest["audio"] == {"included": False, "reason": "consent declined"}
    assert AUDIO not in manifest["files"]
    assert manifest["use"] == "coaching"
    assert manifest["account"] == "Acme <GmbH>"
    assert [m["tag_label"] for m in manifest["moments"]] == ["Pain point", None]
    vtt = decrypt(package, MOMENTS, org).decode()
    assert vtt.startswith("WEBVTT\n")
    assert "Budget frozen until Q3 --&gt; ask again" in vtt
    assert "line one\nline two &amp; more" in vtt
    assert manifest["files"][MOMENTS]["sha256"] == package.manifest["files"][MOMENTS]["sha256"]


def test_a_blocked_call_carries_the_block_reason(context, org):
    calls = context.calls
    session = calls.start_call(CallRequest("Acme", "legal", "DE"))
    assert session.state is CallState.BLOCKED
    calls.mark_moment(None, "counsel present")
    calls.end_call()
    package = package_call(
        context.store, session.details.call_id, policy(context), None, [str(org.to_public())]
    )
    manifest = manifest_of(package, org)
    validate(manifest)
    assert manifest["consent"]["status"] == "blocked"
    assert "never recorded" in manifest["consent"]["reason"]
    assert not manifest["audio"]["included"]
    assert "audio.ogg.age" not in package.files


def test_the_index_is_plain_and_names_only_ciphertext(context, org):
    call_id = declined_call(context)
    package = package_call(context.store, call_id, policy(context), None, [str(org.to_public())])
    index = json.loads(package.index_bytes)
    assert index["package_id"] == f"call-{call_id}"
    assert index["retain_until"] == package.manifest["retention"]["organisation_until"]
    assert set(index["files"]) == set(package.files)
    assert b"Acme" not in package.index_bytes
    # the desk's one-GET ingest: a copy of the manifest's ciphertext, byte for byte
    copy = base64.b64decode(index["sealed_manifest"])
    assert copy == package.files[MANIFEST + ".age"]
    for data in package.files.values():
        assert data.startswith(b"age-encryption.org/v1\n")
        assert b"Acme" not in data and b"Budget" not in data
    again = package_call(context.store, call_id, policy(context), None, [str(org.to_public())])
    assert again.package_id == package.package_id
    assert again.content_digest == package.content_digest  # same call, same content
    assert again.files != package.files  # age is randomised: only the digest is stable


def test_a_manifest_with_audio_from_a_declined_call_is_invalid():
    manifest = {"consent": {"status": "declined"}, "audio": {"included": True}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(SCHEMA).validate(manifest)


def test_nothing_is_packaged_without_recipients_or_before_the_end(context, org):
    calls = context.calls
    session = calls.start_call(CallRequest("Acme", "discovery", "DE"))
    with pytest.raises(PackageError, match="in progress"):
        package_call(
            context.store, session.details.call_id, policy(context), None, [str(org.to_public())]
        )
    calls.mark_decline()
    calls.end_call()
    with pytest.raises(PackageError, match="no organisation recipients"):
        package_call(context.store, session.details.call_id, policy(context), None, [])


@pytest.mark.usefixtures("secret_service", "pulse_testbed")
def test_consented_audio_decrypts_for_the_organisation_only_and_with_age(context, org, tmp_path):
    calls = context.calls
    session = calls.start_call(CallRequest("Acme", "demo", "GB"))
    calls.mark_consent()
    play(MIC, tone(tmp_path, 1000, 1.5))
    calls.mark_moment("objection", "price")
    calls.end_call()
    call_id = session.details.call_id
    key = context.audio_keys.master_key()
    package = package_call(context.store, call_id, policy(context), key, [str(org.to_public())])
    manifest = manifest_of(package, org)
    validate(manifest)
    assert manifest["consent"]["status"] == "granted"
    assert manifest["audio"]["included"] and manifest["audio"]["channels"] == ["mic", "far_end"]

    audio = decrypt(package, AUDIO, org)
    assert audio.startswith(b"OggS") and b"OpusHead" in audio
    assert manifest["files"][AUDIO]["sha256"] == hashlib.sha256(audio).hexdigest()
    frames, rate = sf.read(io.BytesIO(audio), dtype="int16")
    assert band_energy(frames[:, 0], rate, 1000) > 0.5

    stranger = pyrage.x25519.Identity.generate()
    with pytest.raises(pyrage.DecryptError):
        decrypt(package, AUDIO, stranger)

    if shutil.which("age") is None:
        pytest.skip("the age CLI is not installed (Debian package 'age')")
    (tmp_path / "key.txt").write_text(f"{org}\n", encoding="utf-8")
    (tmp_path / "audio.ogg.age").write_bytes(package.files["audio.ogg.age"])
    done = subprocess.run(
        ["age", "-d", "-i", str(tmp_path / "key.txt"), str(tmp_path / "audio.ogg.age")],
        capture_output=True,
        check=True,
    )
    assert done.stdout == audio
    (tmp_path / "manifest.json.age").write_bytes(package.files["manifest.json.age"])
    done = subprocess.run(
        ["age", "-d", "-i", str(tmp_path / "key.txt"), str(tmp_path / "manifest.json.age")],
        capture_output=True,
        check=True,
    )
    assert json.loads(done.stdout)["package_id"] == package.package_id
    assert INDEX not in package.files


@pytest.mark.usefixtures("secret_service", "pulse_testbed")
def test_a_rebuilt_package_of_a_recorded_call_is_the_same_bytes(context, org, tmp_path):
    """A retry after a cut or a crash must resend what was half-sent, audio included."""
    from companion.edges.sync.package import encrypt_for
    from companion.edges.sync.sealed_cache import SealedCache

    calls = context.calls
    session = calls.start_call(CallRequest("Acme", "demo", "GB"))
    calls.mark_consent()
    play(MIC, tone(tmp_path, 1000, 1.0))
    calls.end_call()
    call_id = session.details.call_id
    key = context.audio_keys.master_key()
    sealed = SealedCache(tmp_path / "sealed")
    to = [str(org.to_public())]

    def build() -> CallPackage:
        seal = sealed.sealer(f"call-{call_id}", encrypt_for)
        return package_call(context.store, call_id, policy(context), key, to, seal)

    first, again = build(), build()
    assert AUDIO + ".age" in first.files
    assert first.files == again.files and first.index == again.index
    assert decrypt(first, AUDIO, org) == decrypt(
        package_call(context.store, call_id, policy(context), key, to), AUDIO, org
    )  # the audio itself is deterministic, not only its cached seal


def test_the_policy_can_keep_the_consent_script_text_in_the_evidence(context, org):
    from companion.edges.policy.files import default_policy_path

    text = default_policy_path().read_text(encoding="utf-8")
    keeping = text.replace("[consent]\n", "[consent]\ninclude_script_text = true\n", 1)
    assert keeping != text
    context.paths.policy_override.write_text(keeping, encoding="utf-8")
    call_id = declined_call(context)
    package = package_call(context.store, call_id, policy(context), None, [str(org.to_public())])
    manifest = manifest_of(package, org)
    validate(manifest)
    read, _ = context.active_policy().policy.consent_script("de")
    event = manifest["consent"]["events"][0]
    assert event["script_text"] == read
    assert event["script_sha256"] == hashlib.sha256(read.encode("utf-8")).hexdigest()
