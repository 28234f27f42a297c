"""One sync pass (policy refresh, then delivery), shared by the tray and the CLI."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from companion.app.sync.profile import SyncProfile
from companion.core.errors import UserFacingError
from companion.core.policy.model import Policy, SyncTargetRules
from companion.edges.sync.configured import (
    NO_TARGET,
    TargetChoice,
    choose_target,
    target_from_settings,
)
from companion.edges.sync.sealed_cache import SealedCache
from companion.edges.sync.targets import ConnectionReport, SyncTarget

if TYPE_CHECKING:  # boto3 and pyrage load with the first sync, not at start-up
    from companion.app.sync.policy_refresh import RefreshResult
    from companion.app.sync.progress import SyncProgress


class SyncRefused(UserFacingError):
    """No usable policy after the refresh: nothing may leave this computer."""


class SyncBusy(SyncRefused):
    """Another pass (the tray's or `companion sync --once`) is running on this profile."""


def target_choice(context: SyncProfile) -> TargetChoice | None:
    """Where calls go and who chose it: IT's managed target, the policy's, the rep's."""
    policy = context.active_policy().policy
    organisation = policy.sync.target if policy else None
    return choose_target(context.settings.load(), organisation, managed_target(context))


def sync_target(context: SyncProfile) -> SyncTarget | None:
    """The target in force, opened; None when neither the policy nor Settings name one."""
    policy = context.active_policy().policy
    target = policy.sync.target if policy else None
    return target_from_settings(
        context.settings.load(), context.secrets, target, managed_target(context)
    )


def managed_target(context: SyncProfile) -> SyncTargetRules | None:
    """IT's target from /etc/rep-companion/managed.toml: it wins over every other."""
    managed = context.managed.target
    return managed.rules() if managed is not None else None


# `companion sync` exit codes; 2 is the command's own error (no usable policy, busy).
EXIT_FAILED = 1  # some calls could not be delivered; they are retried with backoff
EXIT_NOT_SET_UP = 3  # the policy names no recipients: nothing can leave this computer
EXIT_OFFLINE = 4  # the target could not be reached; calls wait for the network
EXIT_POLICY_REFUSED = 5  # the published policy was refused; delivered under the one in force


@dataclass(frozen=True)
class SyncPass:
    refresh: RefreshResult
    summary: str  # one line: what was delivered, what waits
    offline: bool = False  # the target was unreachable: try again soon, not in 15 min
    not_set_up: bool = False  # the policy names no recipients: nothing can be sent
    failed: int = 0  # calls that failed this pass (each retried with backoff)

    def exit_code(self) -> int:
        """`companion sync`'s exit status (documented in the README, "For IT admins")."""
        if self.offline:
            return EXIT_OFFLINE
        if self.not_set_up:
            return EXIT_NOT_SET_UP
        if self.failed:
            return EXIT_FAILED
        if self.refresh.refused:
            return EXIT_POLICY_REFUSED
        return 0


NOT_SET_UP = "Sync is not set up by your organisation (no recipients in the policy)"


def sync_not_set_up(policy: Policy | None, target: object | None) -> str | None:
    """Why no call can leave this computer, said everywhere sync shows; None when it can.

    `target`: the target (or its choice) in force; None when nothing names one.
    """
    if policy is not None and not policy.sync.recipients:
        return NOT_SET_UP
    if target is None:
        return NO_TARGET
    return None


def sync_problem(context: SyncProfile) -> str | None:
    """`sync_not_set_up` for the policy and target in force now."""
    return sync_not_set_up(context.active_policy().policy, target_choice(context))


def test_sync_target(context: SyncProfile) -> ConnectionReport:
    """Settings' "Test connection": a target that works is no use without recipients."""
    target = sync_target(context)
    problem = sync_not_set_up(context.active_policy().policy, target)
    if problem is not None or target is None:
        return ConnectionReport(False, problem or NO_TARGET, "not_set_up")
    return target.test_connection()


def sync_once(
    context: SyncProfile,
    out: Callable[[str], None] = lambda _line: None,
    progress: Callable[[SyncProgress], None] | None = None,
) -> str:
    """Refresh the policy, then deliver ready calls; returns the one-line summary."""
    return sync_pass(context, out, progress).summary


def sync_pass(
    context: SyncProfile,
    out: Callable[[str], None] = lambda _line: None,
    progress: Callable[[SyncProgress], None] | None = None,
) -> SyncPass:
    """One pass at a time per profile: two would race on uploads and the sealed cache."""
    from filelock import FileLock, Timeout

    try:
        with FileLock(context.paths.data_dir / "sync.lock", timeout=0):
            return _sync_pass(context, out, progress)
    except Timeout as error:
        raise SyncBusy("another sync is already running; this one was skipped") from error


def _sync_pass(
    context: SyncProfile,
    out: Callable[[str], None],
    progress: Callable[[SyncProgress], None] | None,
) -> SyncPass:
    from companion.app.sync.policy_refresh import RefreshResult, refresh_policy
    from companion.app.sync.progress import no_progress

    target = sync_target(context)
    # First the policy: a rep whose local copy is refused gets the signed current one.
    if target is None:
        refresh = RefreshResult(False, "no sync target, so no newer policy to fetch")
    else:
        refresh = refresh_policy(context.paths, target, context.store, context.rep)
        if refresh.changed:  # the new policy may name another target
            target = sync_target(context)
    out(f"policy: {refresh.message}")
    active = context.active_policy()
    if active.policy is None:
        raise SyncRefused("the policy cannot be used, so nothing is synced")
    problem = sync_not_set_up(active.policy, target)
    if problem is not None or target is None:  # no call is tried, none waits on a backoff
        return SyncPass(refresh, f"sync: {problem or NO_TARGET}", not_set_up=True)
    from companion.app.sync.org_sync import OrgSync
    from companion.app.sync.worker import SyncWorker  # not loaded while sync is not set up

    organisation = OrgSync.begin(context, target, active.policy)  # the rep's own recipient
    sealed = SealedCache.in_data(context.paths.data_dir)
    worker = SyncWorker(
        context.store,
        target,
        context.audio_keys.master_key,
        context.rep,
        sealed,
        device_key=organisation.device_key,
    )
    report = worker.run_once(active.policy, progress or no_progress)
    summary = f"sync: {report.summary()}"
    recipients = active.policy.sync.recipients
    if report.offline:  # concerns would fail the same way; they go with the next pass
        return SyncPass(refresh, summary, offline=True, failed=len(report.failed))
    summary = _with_concerns(context, target, recipients, sealed, summary)
    from companion.app.sync.heartbeat import with_heartbeat
    from companion.edges.sync.org_store import org_store_for

    summary = with_heartbeat(  # the desk's fleet view: version, queue, refusals
        context,
        org_store_for(target),
        organisation.device_key,
        active.policy.version,
        len(report.failed),
        summary,
    )
    finished = organisation.finish(summary)  # receipts and holds
    return SyncPass(refresh, finished, failed=len(report.failed))


def _with_concerns(
    context: SyncProfile,
    target: SyncTarget,
    recipients: list[str],
    sealed: SealedCache,
    summary: str,
) -> str:
    if recipients:
        from companion.app.sync.concerns import deliver_concerns
        from companion.edges.sync.targets import SyncError

        try:
            sent = deliver_concerns(context.store, target, recipients, sealed)
        except (SyncError, OSError) as error:
            return f"{summary}; concerns wait for the next sync ({error})"
        if sent:
            summary += f"; {sent} concern(s) sent"
    return summary
