"""The call package: the one thing that leaves the laptop, encrypted for the organisation.

Layout of a package `<package_id>/`:

- `index.json` (plaintext, written last by every target: the commit marker):
  format, schema version, package id, the organisation's retain-until date, whether a
  legal hold applies, a content digest, and the size and SHA-256 of each encrypted file;
  also the rep, the call type and the start time, so that the review desk can list
  what a reviewer's role may see without decrypting anything; and `sealed_manifest`, a
  copy (base64) of the exact bytes of `manifest.json.age`, so that the desk service
  ingests a package with one GET instead of two (a store answers each GET in
  milliseconds; 10,000 packages are 10,000 GETs fewer). It is ciphertext like the file,
  which stays as it is for every other reader; the desk uses the copy only when its
  SHA-256 is the file's checksum in this index, and the device signature leaves it out
  (`core.access.devices`) so that a re-wrap can drop it.
- `manifest.json.age`: the manifest (see `resources/sync/manifest.schema.json`): call,
  rep, account, call type, consent evidence with policy and script version and
  language, the decline or block reason, moments, CRM fields, use, retention, and the
  SHA-256 of every plaintext and encrypted payload file.
- `moments.vtt.age`: the moments as WebVTT (always present; it may have no cues).
- `audio.ogg.age`: the call's audio as Ogg Opus, only if consent was granted and kept
  audio exists. Declined and blocked calls never carry audio.
- `transcript.vtt.age` and `transcript.json.age`: the machine transcript (WebVTT with
  voice spans, and JSON with word times), only when the audio goes too: a transcript is
  the audio in other words, and follows the audio's consent.

Why everything but `index.json` is encrypted: the manifest names the account, holds
the rep's notes and CRM text, and is as sensitive as the audio, so it is age-encrypted
to the policy's recipients like the rest; no account, note or audio is readable in the
bucket or folder. A target, a retention sweeper, a retry and the review desk's listing
still have to work *without* the organisation's key: they must know whether a package
is complete, whether its files are intact, until when it is kept and whose call it is.
`index.json` gives exactly that and no more: ids, the rep, call type and start time
(S3 tags carry the rep and type already), dates, sizes and checksums of ciphertext
(plus a digest of the content that lets a rebuilt package of an unchanged call be
recognised as already delivered), and the encrypted manifest again, which reveals
nothing the file does not.

The package id is `call-<call id>`: deterministic, so a retried or duplicated upload
lands on the same place and leaves one package. age encryption is randomised, so two
builds of one call differ in ciphertext; `content_digest` (a SHA-256 over the manifest's
content and the decoded audio samples, never the randomised bytes) is what stays equal.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from companion import __version__
from companion.core.errors import UserFacingError
from companion.core.policy.model import Policy
from companion.core.retention import CallFacts, hold_on, retention_dates
from companion.edges.sync.moments_vtt import package_moments_vtt
from companion.edges.sync.package_facts import CallSummary, ConsentFact, MomentFact, PackageFacts

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

FORMAT = "rep-companion.call-package"
SCHEMA_VERSION = 1
USE = "coaching"
INDEX = "index.json"
SEALED_MANIFEST = "sealed_manifest"  # the index's copy of manifest.json.age
MANIFEST = "manifest.json"
AUDIO = "audio.ogg"
MOMENTS = "moments.vtt"
TRANSCRIPT_VTT = "transcript.vtt"
TRANSCRIPT_JSON = "transcript.json"
ENCRYPTED_SUFFIX = ".age"
MEDIA_TYPES = {
    AUDIO: "audio/ogg; codecs=opus",
    MOMENTS: "text/vtt",
    MANIFEST: "application/json",
    TRANSCRIPT_VTT: "text/vtt",
    TRANSCRIPT_JSON: "application/json",
}
CHANNELS = ["mic", "far_end"]


class PackageError(UserFacingError):
    """The call cannot be packaged; the message says why in a sentence."""


@dataclass(frozen=True)
class CallPackage:
    """One call, ready for a target: encrypted files plus the plaintext index.

    `files` maps names (`manifest.json.age`, ...) to encrypted bytes; `manifest` is the
    plaintext manifest (for the app's own display and tests; it never leaves unencrypted).
    """

    package_id: str
    files: dict[str, bytes]
    manifest: dict[str, Any]
    index: dict[str, Any]
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.package_id

    @property
    def index_bytes(self) -> bytes:
        return canonical_json(self.index)

    @property
    def retain_until(self) -> date:
        return date.fromisoformat(self.index["retain_until"])

    @property
    def legal_hold(self) -> bool:
        return bool(self.index["legal_hold"])

    @property
    def content_digest(self) -> str:
        return str(self.index["content_digest"])


def package_id_for(call_id: str) -> str:
    return f"call-{call_id}"


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def encrypt_for(data: bytes, recipients: list[str]) -> bytes:
    """age-encrypt `data` to every recipient (binary age format, what `age -d` reads)."""
    try:
        import pyrage  # with the first package, not at start-up

        parsed = [pyrage.x25519.Recipient.from_str(r) for r in recipients]
    except pyrage.RecipientError as error:
        raise PackageError(f"A sync recipient in the policy is not an age key: {error}") from error
    return pyrage.encrypt(data, parsed)


def audio_wanted(facts: PackageFacts) -> bool:
    """Whether the package carries audio: consent granted and kept segments exist."""
    consent = _consent(_call_info(facts.call), list(facts.consent_events))
    return consent["status"] == "granted" and facts.kept_segments > 0


def build_package(
    facts: PackageFacts,
    policy: Policy,
    recipients: list[str],
    seal: Callable[[str, bytes, list[str]], bytes] | None = None,
    device_key: Ed25519PrivateKey | None = None,
) -> CallPackage:
    """Assemble and encrypt the package of an ended call from its facts.

    With `device_key` (the rep's device, for an organisation with a desk service) the
    index carries the device's signatures over itself and the manifest
    (`core.access.devices`): the desk lists only packages of enrolled devices.

    `seal(name, plaintext, recipients)` encrypts each file; the default is a fresh age
    encryption, the sync worker passes a `SealedCache` so that retries resend the same
    bytes.

    Audio goes in only if the call has a granted consent event, is not a declined or
    blocked call, and kept (not discarded) segments exist (`facts.audio`, decoded by the
    caller when `audio_wanted`). Raises PackageError when the call is still running, or
    when there is no recipient to encrypt to (nothing ever leaves unencrypted).
    """
    if not recipients:
        raise PackageError(
            "The policy lists no organisation recipients, so the call cannot be encrypted "
            "for syncing; it stays on this computer."
        )
    call = facts.call
    if call.state != "ended":
        raise PackageError("The call is still in progress; end it before syncing.")
    retention = CallFacts(call.id, call.account, call.call_type, call.started_at)
    call_info = _call_info(call)
    call_id, rep, account, call_type = call.id, call.rep, call.account, call.call_type
    moments = list(facts.moments)

    seal = seal or (lambda _name, data, to: encrypt_for(data, to))
    consent = _consent(call_info, list(facts.consent_events))
    plain: dict[str, bytes] = {MOMENTS: package_moments_vtt(moments).encode("utf-8")}
    audio_info, samples_digest = _audio(facts, consent, plain)
    transcript_info = _transcript(facts, audio_info, plain)
    dates = retention_dates(policy, retention)
    hold = hold_on(policy, retention)
    kind = policy.call_types.get(call_type)
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "schema_version": SCHEMA_VERSION,
        "package_id": package_id_for(call_id),
        "generator": f"rep-companion {__version__}",
        "organisation": policy.organisation,
        "call": call_info,
        "rep": rep,
        "account": account,
        "call_type": {"key": call_type, "label": kind.label if kind else call_type},
        "consent": consent,
        "moments": [_moment(m, policy) for m in moments],
        "crm_fields": dict(facts.crm_fields),
        "use": USE,
        "retention": {
            "organisation_until": dates.organisation_until.isoformat(),
            "rule": kind.retention if kind and kind.retention else None,
            "legal_hold": hold.reason if hold else None,
        },
        "audio": audio_info,
        "transcript": transcript_info,
        "crm_provenance": dict(facts.crm_provenance or {}),
        "recipients": sorted(recipients),
    }
    digest_source = (
        canonical_json(manifest)
        + plain[MOMENTS]
        + plain.get(TRANSCRIPT_JSON, b"")
        + samples_digest.encode()
    )
    content_digest = sha256_hex(digest_source)

    files: dict[str, bytes] = {}
    checksums: dict[str, dict[str, Any]] = {}
    for name, data in sorted(plain.items()):
        encrypted = seal(name, data, recipients)
        files[name + ENCRYPTED_SUFFIX] = encrypted
        checksums[name] = {
            "media_type": MEDIA_TYPES[name],
            "size": len(data),
            "sha256": sha256_hex(data),
            "encrypted_name": name + ENCRYPTED_SUFFIX,
            "encrypted_size": len(encrypted),
            "encrypted_sha256": sha256_hex(encrypted),
        }
    manifest["files"] = checksums
    manifest["content_digest"] = content_digest
    manifest_bytes = canonical_json(manifest)
    files[MANIFEST + ENCRYPTED_SUFFIX] = seal(MANIFEST, manifest_bytes, recipients)

    index = {
        "format": FORMAT,
        "schema_version": SCHEMA_VERSION,
        "package_id": package_id_for(call_id),
        "rep": rep,
        "call_type": call_type,
        "started_at": call_info["started_at"],
        "retain_until": dates.organisation_until.isoformat(),
        "legal_hold": hold is not None,
        "content_digest": content_digest,
        "files": {
            name: {"size": len(data), "sha256": sha256_hex(data)}
            for name, data in sorted(files.items())
        },
        SEALED_MANIFEST: base64.b64encode(files[MANIFEST + ENCRYPTED_SUFFIX]).decode("ascii"),
    }
    if device_key is not None:
        from companion.core.access.devices import sign_package

        index = sign_package(index, manifest_bytes, device_key)
    tags = {"rep": rep, "call-type": call_type, "use": USE}
    return CallPackage(package_id_for(call_id), files, manifest, index, tags)


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:  # SQLite hands back naive datetimes: they were stored as UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


def _call_info(call: CallSummary) -> dict[str, Any]:
    return {
        "id": call.id,
        "region": call.region,
        "policy_version": call.policy_version,
        "state": call.state,
        "outcome": call.outcome,
        "outcome_reason": call.outcome_reason or None,
        "started_at": _iso(call.started_at),
        "ended_at": _iso(call.ended_at),
    }


def _consent(call_info: dict[str, Any], events: list[ConsentFact]) -> dict[str, Any]:
    outcome = call_info["outcome"]
    decisive = next((e for e in reversed(events) if e.kind in ("granted", "declined")), None)
    granted = any(e.kind == "granted" for e in events)
    if outcome == "blocked":
        status = "blocked"
    elif outcome == "declined" or (decisive is not None and decisive.kind == "declined"):
        status = "declined"
    elif outcome == "unclear":  # no clear answer, and the rep went on without recording
        status = "unclear"
    elif granted:
        status = "granted"
    else:
        status = "not_asked"
    return {
        "status": status,
        "withdrawn": any(e.kind == "withdrawn" for e in events),
        "unclear_answers": sum(e.kind == "unclear" for e in events),  # ambiguity flags
        "policy_version": decisive.policy_version if decisive else call_info["policy_version"],
        "script_version": decisive.script_version if decisive else None,
        "script_sha256": (decisive.script_sha256 or None) if decisive else None,
        "language": decisive.language if decisive else None,
        "jurisdiction": decisive.jurisdiction if decisive else call_info["region"],
        "reason": _reason(status, call_info),
        "events": [
            {
                "kind": e.kind,
                "at": _iso(e.at),
                "policy_version": e.policy_version,
                "script_version": e.script_version,
                "script_sha256": e.script_sha256 or None,
                "language": e.language,
                "jurisdiction": e.jurisdiction,
                "rep": e.rep,
            }
            | ({"script_text": e.script_text} if e.script_text is not None else {})
            for e in events
        ],
    }


def _reason(status: str, call_info: dict[str, Any]) -> str | None:
    if status not in ("blocked", "declined", "unclear"):
        return None
    fallback = {
        "declined": "The customer declined recording.",
        "unclear": "The answer was not clear: the call went on without recording.",
    }
    return call_info.get("outcome_reason") or fallback.get(status, "Policy: never recorded.")


def _audio(
    facts: PackageFacts, consent: dict[str, Any], plain: dict[str, bytes]
) -> tuple[dict[str, Any], str]:
    """Adds `audio.ogg` to `plain` when the call may and does carry audio."""
    # numpy and FFmpeg load only when a package carries audio, not at start-up.
    from companion.edges.audio.encoder import encode_ogg_opus

    if consent["status"] != "granted":
        return {"included": False, "reason": f"consent {consent['status'].replace('_', ' ')}"}, ""
    if not facts.kept_segments or facts.audio is None:
        return {"included": False, "reason": "no kept audio"}, ""
    frames, rate = facts.audio.frames, facts.audio.rate
    plain[AUDIO] = encode_ogg_opus(frames, rate)  # deterministic: retries resend the same
    info = {
        "included": True,
        "reason": None,
        "codec": "opus",
        "container": "ogg",
        "sample_rate": rate,
        "channels": CHANNELS[: frames.shape[1]] if frames.ndim == 2 else CHANNELS[:1],
        "seconds": round(len(frames) / rate, 3),
        "segments": facts.kept_segments,
    }
    return info, sha256_hex(frames.tobytes())


def _transcript(
    facts: PackageFacts, audio_info: dict[str, Any], plain: dict[str, bytes]
) -> dict[str, Any]:
    """Adds the transcript files to `plain` when the audio goes: never without it."""
    from companion.core.transcripts.formats import as_json, as_webvtt

    if not audio_info["included"]:
        return {"included": False, "reason": "no audio in this package"}
    transcript = facts.transcript
    if transcript is None:
        return {"included": False, "reason": "not transcribed"}
    plain[TRANSCRIPT_VTT] = as_webvtt(transcript).encode("utf-8")
    plain[TRANSCRIPT_JSON] = as_json(transcript).encode("utf-8")
    return {
        "included": True,
        "reason": None,
        "machine_made": True,
        "engine": transcript.engine,
        "model": transcript.model,
        "language": transcript.language,
        "lines": len(transcript.lines),
        "redactions": transcript.redactions,
    }


def _moment(moment: MomentFact, policy: Policy) -> dict[str, Any]:
    label = moment.tag_label
    if label is None and moment.tag and moment.tag in policy.tags:
        label = policy.tags[moment.tag].label
    return {
        "offset_ms": moment.offset_ms,
        "tag": moment.tag,
        "tag_label": label,
        "note": moment.note,
        "had_audio": bool(moment.had_audio),
        "draft": bool(moment.draft),
        "created_at": _iso(moment.created_at),
    }
