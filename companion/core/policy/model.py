"""The policy as data: what may be recorded, how consent is asked, how long things live.

Pydantic models with `extra="forbid"`, so a misspelt key is an error rather than a
rule silently ignored; cross-references (tags, retention rules, jurisdictions) are
checked in `Policy`'s validator so each error names its field path.
"""

from __future__ import annotations

import json
import re
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Annotated, Literal, Self

import pycountry
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from companion.core.policy.access import AccessRules, access_problems
from companion.core.policy.versions import version_problem

SUPPORTED_SCHEMA = 1
KEY_PATTERN = r"^[a-z][a-z0-9_]*$"
Key = Annotated[str, StringConstraints(pattern=KEY_PATTERN)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
JURISDICTION_CODE = re.compile(r"^(?P<country>[A-Z]{2})(-[A-Z0-9]{1,3})?$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ConsentRule(StrEnum):
    ONE_PARTY = "one-party"
    ALL_PARTY = "all-party"
    NEVER = "never"

    @property
    def strictness(self) -> int:
        return {"one-party": 0, "all-party": 1, "never": 2}[self.value]


class WithdrawalAction(StrEnum):
    DISCARD = "discard"
    KEEP = "keep"


class ConsentScripts(_Strict):
    script_version: Text
    scripts: dict[str, Text] = Field(min_length=1)
    decline_scripts: dict[str, Text] = Field(min_length=1)
    # Asked again after someone joined: "Before we begin" would be wrong mid-call.
    rejoin_scripts: dict[str, Text] = Field(default_factory=dict)
    # Each consent event carries the SHA-256 of the text read; this keeps the text too.
    include_script_text: bool = False


class RecordingLimits(_Strict):
    max_minutes: int = Field(gt=0, le=24 * 60)
    silence_auto_stop_minutes: int = Field(gt=0, le=24 * 60)
    on_withdrawal: WithdrawalAction


# A century: longer is a typo, and would overflow date arithmetic (year 9999).
MAX_RETENTION_DAYS = 36_500


class RetentionRule(_Strict):
    description: str = ""
    local_days: int = Field(gt=0, le=MAX_RETENTION_DAYS)
    organisation_days: int = Field(gt=0, le=MAX_RETENTION_DAYS)


class Tag(_Strict):
    label: Text
    color: Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")]
    shortcut: Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z]$")] | None = None
    # Spoken words that suggest this tag: found in the transcript, added as DRAFT moments.
    key_phrases: list[Text] = Field(default_factory=list)


class CallType(_Strict):
    label: Text
    record: bool
    retention: Key | None = None
    tags: list[Key] = Field(default_factory=list)
    reason: Text | None = None

    @model_validator(mode="after")
    def _explain_never_record(self) -> Self:
        if not self.record and not self.reason:
            raise ValueError("a never-record call type needs a 'reason' to show the rep")
        if self.record and not self.retention:
            raise ValueError("a recorded call type needs a 'retention' rule")
        return self


class Jurisdiction(_Strict):
    name: Text
    consent: ConsentRule


class CrmField(_Strict):
    key: Key
    label: Text
    required: bool = True


class LegalHold(_Strict):
    """Calls never deleted while the hold stands: one call, or every call with an account."""

    reason: Text
    call_id: str | None = None
    account: str | None = None

    @model_validator(mode="after")
    def _names_something(self) -> Self:
        if not (self.call_id or self.account):
            raise ValueError("a legal hold names a 'call_id' or an 'account'")
        return self


class SyncTargetRules(_Strict):
    """Where the organisation receives calls: one folder (a share) or one S3 bucket.

    Credentials never live here: the S3 keys stay in each rep's keyring.
    """

    folder: Text | None = None
    bucket: (
        Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")] | None
    ) = None
    endpoint: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")] | None = None
    region: Text | None = None

    @model_validator(mode="after")
    def _one_place(self) -> Self:
        if bool(self.folder) == bool(self.bucket):
            raise ValueError("a sync target names either a 'folder' or a 'bucket'")
        if self.folder and (self.endpoint or self.region):
            raise ValueError("'endpoint' and 'region' go with a 'bucket', not a 'folder'")
        return self


class SyncRules(_Strict):
    # Where calls go; None: each rep's own Settings (or nowhere: "not set up").
    target: SyncTargetRules | None = None
    # age X25519 public keys: packages leave the laptop encrypted to these only.
    recipients: list[Annotated[str, StringConstraints(pattern=r"^age1[0-9a-z]{58}$")]] = Field(
        default_factory=list
    )
    delete_unsynced_audio: bool = False  # retention may delete audio that never synced


DEFAULT_CALL_APPS = (
    "zoom",
    "teams",
    "webex",
    "slack",
    "skype",
    "discord",
    "chrome",
    "chromium",
    "firefox",
    "zoiper",
    "linphone",
    "ringcentral",
    "aircall",
    "dialpad",
    "3cx",
)


AppWord = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1)]


class CallDetection(_Strict):
    """Noticing a call by itself: another app opening the microphone."""

    enabled: bool = True
    # Lower-case words matched in the app's name or program (softphones, meeting apps,
    # browsers for Meet and web softphones).
    apps: list[
        Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1)]
    ] = Field(default_factory=lambda: list(DEFAULT_CALL_APPS))
    # The mic must stay open this long: a notification sound is not a call.
    start_after_seconds: float = Field(default=1.0, ge=0.2, le=30)
    # After the app lets the mic go, the call is ended this long later unless the rep
    # answers, so a forgotten call cannot run for a day.
    end_grace_minutes: int = Field(default=5, ge=1, le=120)


class Transcription(_Strict):
    """Transcribing recorded calls on the laptop, after the call."""

    enabled: bool = True
    engine: Literal["faster-whisper", "pocketsphinx"] = "faster-whisper"
    # A faster-whisper (CTranslate2) model folder on the laptop, e.g. a converted Whisper
    # small; unset: the bundled Whisper base. Never downloaded.
    model_dir: Text | None = None
    # Mask runs of this many digits or more (cards, phones) before a transcript is kept.
    redact_digit_runs: int | None = Field(default=None, ge=2, le=32)
    # Also mask e-mail addresses and IBANs (spoken or written).
    redact_emails: bool = False
    redact_ibans: bool = False
    # Also silence the masked numbers in the audio the organisation receives.
    mute_redacted_audio: bool = False
    # When that muting is asked for and a call's transcript failed for good: the package
    # waits (the rep is told), or goes without audio. Never with the audio unmuted.
    untranscribed_audio: Literal["wait", "without_audio"] = "wait"

    # Drafts (key moments, CRM fields) only from words the engine heard at least this
    # surely (0..1); the transcript view marks the words below it. 0.2: measured on key
    # phrases said on calls, 9 of 10 drafted (8 of 10 on a phone line); 0.5 lost a third.
    min_word_confidence: float = Field(default=0.2, ge=0.0, le=0.99)
    # Transcribe while another call records (a laptop with cores to spare).
    while_recording: bool = False


def _orderable(version: str) -> str:
    problem = version_problem(version)
    if problem:
        raise ValueError(problem)
    return version


class Policy(_Strict):
    schema_version: int
    version: Annotated[str, AfterValidator(_orderable)]
    organisation: Text
    purpose: Text
    recording_enabled: bool
    default_language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")]
    consent: ConsentScripts
    recording: RecordingLimits
    retention: dict[Key, RetentionRule] = Field(min_length=1)
    tags: dict[Key, Tag] = Field(min_length=1)
    call_types: dict[Key, CallType] = Field(min_length=1)
    jurisdictions: dict[str, Jurisdiction] = Field(min_length=1)
    crm_fields: list[CrmField] = Field(default_factory=list)
    sync: SyncRules = Field(default_factory=SyncRules)
    legal_holds: list[LegalHold] = Field(default_factory=list)
    detection: CallDetection = Field(default_factory=CallDetection)
    transcription: Transcription = Field(default_factory=Transcription)
    access: AccessRules = Field(default_factory=AccessRules)

    @model_validator(mode="after")
    def _check_references(self) -> Self:
        problems = list(_reference_problems(self))
        if problems:
            raise ValueError("\n".join(problems))  # keys may contain "; "
        return self

    def consent_script(self, language: str | None = None) -> tuple[str, str]:
        """The script text and the language actually used (falls back to the default)."""
        lang = language if language in self.consent.scripts else self.default_language
        return self.consent.scripts[lang], lang

    def rejoin_script(self, language: str | None = None) -> tuple[str, str]:
        """What is asked after a participant joined; the opening script if there is none."""
        script, lang = self.consent_script(language)
        return self.consent.rejoin_scripts.get(lang, script), lang

    def decline_script(self, language: str | None = None) -> str:
        scripts = self.consent.decline_scripts
        return scripts.get(language or "", scripts[self.default_language])

    def strictest_rule(self) -> ConsentRule:
        return max((j.consent for j in self.jurisdictions.values()), key=lambda r: r.strictness)


def _reference_problems(policy: Policy) -> list[str]:
    problems: list[str] = []
    if policy.schema_version != SUPPORTED_SCHEMA:
        problems.append(
            f"schema_version: this app reads schema {SUPPORTED_SCHEMA}, "
            f"the policy is schema {policy.schema_version}"
        )
    for section in ("scripts", "decline_scripts"):
        if policy.default_language not in getattr(policy.consent, section):
            problems.append(
                f"consent.{section}: no text for the default language '{policy.default_language}'"
            )
    for key, call_type in policy.call_types.items():
        if call_type.retention and call_type.retention not in policy.retention:
            problems.append(
                f"call_types.{key}.retention: unknown retention rule '{call_type.retention}' "
                f"(known: {', '.join(sorted(policy.retention))})"
            )
        for index, tag in enumerate(call_type.tags):
            if tag not in policy.tags:
                problems.append(
                    f"call_types.{key}.tags[{index}]: unknown tag '{tag}' "
                    f"(known: {', '.join(sorted(policy.tags))})"
                )
    for code in policy.jurisdictions:
        problem = jurisdiction_code_problem(code)
        if problem:
            problems.append(f"jurisdictions.{code}: {problem}")
    problems.extend(_shortcut_problems(policy))
    problems.extend(access_problems(policy.access))
    return problems


def _shortcut_problems(policy: Policy) -> list[str]:
    seen: dict[str, str] = {}
    problems = []
    for key, tag in policy.tags.items():
        if tag.shortcut is None:
            continue
        if tag.shortcut in seen:
            problems.append(
                f"tags.{key}.shortcut: '{tag.shortcut}' is already used by "
                f"tags.{seen[tag.shortcut]}"
            )
        seen[tag.shortcut] = key
    return problems


@cache
def _country_codes() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes from pycountry's own data, as strings: its Country
    objects would stay in the tray's memory (about 0.5 MB) for a check made at policy load."""
    data = json.loads((Path(pycountry.DATABASE_DIR) / "iso3166-1.json").read_bytes())
    return frozenset(entry["alpha_2"] for entry in data["3166-1"])


@cache
def _subdivision_codes() -> frozenset[str]:
    """ISO 3166-2 codes from pycountry's own data, as strings: its Subdivision objects
    would hold ~5 MB for the life of the tray for a check made when a policy loads."""
    data = json.loads((Path(pycountry.DATABASE_DIR) / "iso3166-2.json").read_bytes())
    return frozenset(entry["code"] for entry in data["3166-2"])


def jurisdiction_code_problem(code: str) -> str | None:
    """None when `code` is an ISO 3166 country, or a country plus subdivision."""
    match = JURISDICTION_CODE.match(code)
    if not match:
        return f"unknown jurisdiction code '{code}' (use ISO 3166, e.g. 'DE' or 'US-CA')"
    if match.group("country") not in _country_codes():
        return f"unknown jurisdiction code '{code}': no country '{match.group('country')}'"
    if "-" in code and code not in _subdivision_codes():
        return f"unknown jurisdiction code '{code}': no such subdivision"
    return None
