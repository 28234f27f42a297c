"""The settings IT can push, described once: every format and reader is made from this.

Plain data. `packaging/managed/generate.py` writes the ADMX/ADML template and the
.mobileconfig profile from it; the readers (`managed*.py`) look up the same keys. The
Linux file (`/etc/rep-companion/managed.toml` plus `organisation-keys/*.pem` and
`policy.toml`) holds the same settings under its own TOML names (`toml` below).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

SettingKind = Literal["text", "text_list", "choice"]

REGISTRY_KEY = r"Software\Policies\RepCompanion"  # under HKEY_LOCAL_MACHINE
PREFERENCES_DOMAIN = "com.repcompanion.companion"  # the macOS managed-preferences domain
ADMX_NAMESPACE = "RepCompanion.Policies"
ADMX_PREFIX = "repcompanion"


@dataclass(frozen=True)
class ManagedSetting:
    key: str  # registry value / preference key
    kind: SettingKind
    title: str
    explanation: str
    toml: str  # where the Linux file keeps it: "section.key", or a file in the folder
    example: str = ""  # the value in the generated .mobileconfig template ("": left out)
    choices: tuple[str, ...] = ()


SETTINGS: tuple[ManagedSetting, ...] = (
    ManagedSetting(
        "PolicyLocation",
        "text",
        "Managed policy file",
        "Path of the organisation's signed policy (policy.toml, with policy.toml.sig "
        "beside it). It wins over any policy in the rep's own folder.",
        "policy.toml",
        "/Library/Application Support/RepCompanion/policy.toml",
    ),
    ManagedSetting(
        "OrganisationKeys",
        "text_list",
        "Organisation public keys",
        "The organisation's Ed25519 public keys (PEM, one per entry). A policy must be "
        "signed by one of them; list two while rotating.",
        "organisation-keys/*.pem",
        "MCowBQYDK2VwAyEAREPLACEWITHYOURORGANISATIONSPUBLICKEYBASE64AA=",
    ),
    ManagedSetting(
        "SyncFolder",
        "text",
        "Sync target: folder",
        "A folder (a mounted share) where calls are delivered. Set this or SyncBucket.",
        "sync.folder",
        "/Volumes/org-share/rep-calls",
    ),
    ManagedSetting(
        "SyncBucket",
        "text",
        "Sync target: S3 bucket",
        "An S3 bucket where calls are delivered. Set this or SyncFolder.",
        "sync.bucket",
    ),
    ManagedSetting(
        "SyncEndpoint",
        "text",
        "Sync target: S3 endpoint",
        "The S3 endpoint (https://...), when the bucket is not on AWS.",
        "sync.endpoint",
    ),
    ManagedSetting(
        "SyncRegion",
        "text",
        "Sync target: S3 region",
        "The bucket's region.",
        "sync.region",
    ),
    ManagedSetting(
        "RepIdentitySource",
        "choice",
        "Where the rep's identity comes from",
        "managed: the Rep setting below; login: the OS login name (small teams).",
        "identity.source",
        "managed",
        ("managed", "login"),
    ),
    ManagedSetting(
        "Rep",
        "text",
        "The rep's identity",
        "Who the rep is, as the organisation knows them (e.g. their e-mail address).",
        "identity.rep",
        "rep@example.com",
    ),
)
