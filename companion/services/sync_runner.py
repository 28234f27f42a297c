"""One sync pass (policy refresh, then delivery), shared by the tray and the CLI."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from companion.services.context import AppContext
from companion.sync.targets import SyncTarget


class SyncRefused(Exception):
    """No usable policy after the refresh: nothing may leave this computer."""


def sync_target(context: AppContext) -> SyncTarget:
    """The configured target: S3 when Settings names a bucket, else the outbox folder."""
    from companion.secrets import SecretStore
    from companion.sync.targets import FolderTarget, S3Target, credentials_from_secrets

    settings = context.settings.load()
    if settings.s3_bucket:
        return S3Target(
            settings.s3_bucket,
            settings.s3_endpoint,
            settings.s3_region or "us-east-1",
            credentials_from_secrets(SecretStore()),
        )
    folder = Path(settings.sync_folder) if settings.sync_folder else None
    return FolderTarget(folder or context.paths.data_dir / "organisation-outbox")


def sync_once(context: AppContext, out: Callable[[str], None] = lambda _line: None) -> str:
    """Refresh the policy, then deliver ready calls; returns the one-line summary."""
    from companion.services.policy_refresh import refresh_policy
    from companion.services.sync_worker import SyncWorker

    target = sync_target(context)
    # First the policy: a rep whose local copy is refused gets the signed current one.
    out(f"policy: {refresh_policy(context.paths, target, context.store, context.rep).message}")
    active = context.active_policy()
    if active.policy is None:
        raise SyncRefused("the policy cannot be used, so nothing is synced")
    worker = SyncWorker(context.store, target, context.audio_keys.master_key, context.rep)
    summary = f"sync: {worker.run_once(active.policy).summary()}"
    recipients = active.policy.sync.recipients
    if recipients:
        from companion.services.concerns import deliver_concerns
        from companion.sync.targets import SyncError

        try:
            sent = deliver_concerns(context.store, target, recipients)
        except (SyncError, OSError) as error:
            return f"{summary}; concerns wait for the next sync ({error})"
        if sent:
            summary += f"; {sent} concern(s) sent"
    return summary
