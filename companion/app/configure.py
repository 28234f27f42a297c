"""`companion configure`: scripted set-up, and what is in force and who set it.

For IT's scripts (and reps at a terminal): the S3 key goes from standard input into the
OS keyring, under the service `RepCompanion` (`edges.secrets.SERVICE_NAME`) with the
names below; a target the rep may choose goes into their settings. What IT manages in
`/etc/rep-companion/` is shown, and an attempt to change it is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from companion.core.errors import UserFacingError
from companion.edges.managed import MANAGED_LABEL, ManagedSettings
from companion.edges.paths import AppPaths
from companion.edges.policy.files import load_active_policy
from companion.edges.policy.trust import trust_anchor
from companion.edges.secrets import SERVICE_NAME, SecretStore
from companion.edges.settings import Settings, SettingsFile
from companion.edges.sync.s3_connection import (
    ACCESS_KEY_SECRET,
    SECRET_KEY_SECRET,
    SESSION_TOKEN_SECRET,
)

KEYRING_ITEMS = (ACCESS_KEY_SECRET, SECRET_KEY_SECRET, SESSION_TOKEN_SECRET)


class ConfigureRefused(UserFacingError):
    """The change asked for is not the rep's to make (IT manages it) or is incomplete."""


@dataclass(frozen=True)
class TargetChange:
    folder: str | None = None
    bucket: str | None = None
    endpoint: str | None = None
    region: str | None = None

    @property
    def asked(self) -> bool:
        return any((self.folder, self.bucket, self.endpoint, self.region))


def set_target(settings: SettingsFile, managed: ManagedSettings, change: TargetChange) -> str:
    """Save the rep's own target; refused when IT manages it. Returns what was saved."""
    if managed.target is not None:
        raise ConfigureRefused(
            f"The sync target is {MANAGED_LABEL} ({managed.target.words()}, in "
            f"{managed.path}); it cannot be changed here.",
            "Ask IT to change it in managed.toml.",
        )
    if bool(change.folder) == bool(change.bucket):
        raise ConfigureRefused(
            "Name either a folder (--sync-folder) or a bucket (--s3-bucket), not both.",
            "Give one of the two.",
        )
    if change.folder and (change.endpoint or change.region):
        raise ConfigureRefused(
            "--s3-endpoint and --s3-region go with --s3-bucket.", "Drop them or name a bucket."
        )
    settings.save(
        settings.load().with_changes(
            sync_folder=change.folder,
            s3_bucket=change.bucket,
            s3_endpoint=change.endpoint,
            s3_region=change.region,
        )
    )
    return f"folder {change.folder}" if change.folder else f"S3 bucket {change.bucket}"


def store_s3_credentials(secrets: SecretStore, lines: list[str]) -> None:
    """Line 1 the access key id, line 2 the secret key, line 3 (optional) a session token."""
    values = [line.strip() for line in lines if line.strip()]
    if len(values) not in (2, 3):
        raise ConfigureRefused(
            f"Expected 2 or 3 lines on standard input, got {len(values)}.",
            "Give the access key id, the secret key and optionally a session token, one per line.",
        )
    secrets.set(ACCESS_KEY_SECRET, values[0])
    secrets.set(SECRET_KEY_SECRET, values[1])
    if len(values) == 3:
        secrets.set(SESSION_TOKEN_SECRET, values[2])
    else:
        secrets.delete(SESSION_TOKEN_SECRET)  # an old token would not match the new key


def show(
    paths: AppPaths,
    managed: ManagedSettings,
    settings: Settings,
    rep: str,
    out: Callable[[str], None],
    enrolled_with: str | None = None,
) -> None:
    """What is in force, each with where it comes from (IT, the rep, or a default);
    `enrolled_with`: the desk that gave the rep's id, when it is in force."""
    by_it = f" ({MANAGED_LABEL}: {managed.path})"
    identity = managed.identity
    if identity is not None and identity.source == "managed":
        rep_from = by_it
    elif enrolled_with and identity is None:
        rep_from = f" (enrolled with the desk at {enrolled_with})"
    else:
        rep_from = " (the login name: IT has not set the rep's id)"
    out(f"rep:          {rep}{rep_from}")
    active_policy = load_active_policy(paths).policy
    organisation = active_policy.sync.target if active_policy else None
    if managed.target is not None:  # the order of `edges.sync.configured.choose_target`
        out(f"sync target:  {managed.target.words()}{by_it}")
    elif organisation is not None:
        where = organisation.folder or f"S3 bucket {organisation.bucket}"
        out(f"sync target:  {where} (set by your organisation's policy)")
    elif settings.s3_bucket:
        out(f"sync target:  S3 bucket {settings.s3_bucket} (your settings)")
    elif settings.sync_folder:
        out(f"sync target:  folder {settings.sync_folder} (your settings)")
    else:
        out("sync target:  not set up (no folder or bucket)")
    anchor = trust_anchor(paths)
    active = load_active_policy(paths)
    if active.policy is None:
        reason = active.error.describe() if active.error else "unknown"
        out(f"policy:       none usable, notes only: {reason}")
    else:
        origin = (
            MANAGED_LABEL
            if anchor.managed_policy is not None and active.path == anchor.managed_policy
            else "from the organisation's store"
            if active.path == paths.policy_override
            else "the built-in default"
        )
        signed = "signed" if active.signed else "unsigned"
        out(f"policy:       version {active.policy.version}, {signed}, {origin}: {active.path}")
    out(f"trust:        {anchor.describe()}")
    for ignored in anchor.ignored:
        out(f"ignored:      {ignored} (IT's managed key or policy wins over it)")
    out(f"keyring:      service {SERVICE_NAME!r}, items {', '.join(KEYRING_ITEMS)}")
