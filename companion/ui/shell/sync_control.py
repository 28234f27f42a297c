"""Background sync and retention for the tray: timers, progress, and what the rep is told."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal

from companion.app.compose import AppContext
from companion.app.sync.progress import SyncProgress
from companion.core.errors import shown
from companion.ui.background import run_in_background
from companion.ui.shell.retention_warning import RetentionWarning
from companion.ui.shell.tray import TrayController

SYNC_INTERVAL_MS = 15 * 60 * 1000  # and once at start-up
SWEEP_INTERVAL_MS = 6 * 60 * 60 * 1000  # first sweep hours after start: warnings come first
OFFLINE_RETRY_MS = 60 * 1000  # offline: look again in a minute, so calls leave soon after
SOON_MS = 3 * 1000  # after "mark ready": a few calls marked in a row go in one pass


class SyncControl(QObject):
    finished = Signal(str)
    # Emitted on the pool's thread; Qt queues it to this object's (the GUI) thread.
    progressed = Signal(object)

    def __init__(
        self,
        context: AppContext,
        tray: TrayController,
        pool: QThreadPool,
        show_sync_stage: Callable[[str, str], None],
        open_library: Callable[[], object],
    ) -> None:
        super().__init__(tray)
        self.context, self.tray, self.pool = context, tray, pool
        self._show_sync_stage, self._open_library = show_sync_stage, open_library
        self.warning: RetentionWarning | None = None
        self.sync_timer = self._timer(SYNC_INTERVAL_MS, self.sync_now)
        self.sweep_timer = self._timer(SWEEP_INTERVAL_MS, self.sweep_now)
        self.offline_retry = self._timer(OFFLINE_RETRY_MS, self.sync_now)
        self.offline_retry.setSingleShot(True)
        self.soon = self._timer(SOON_MS, self.sync_now)
        self.soon.setSingleShot(True)
        self._again = False  # asked for during a pass: one more pass after it
        self.progressed.connect(self._show_progress)
        self._told_not_set_up = False
        self.running = False

    def _timer(self, interval_ms: int, slot: Callable[[], None]) -> QTimer:
        timer = QTimer(self)
        timer.setInterval(interval_ms)
        timer.timeout.connect(slot)
        return timer

    def start_schedule(self) -> None:
        self.sync_timer.start()
        self.sweep_timer.start()
        QTimer.singleShot(0, self.sync_now)

    def sync_soon(self) -> None:
        """A call was marked ready: it leaves in seconds, not at the next 15-minute pass."""
        if self.running:
            self._again = True  # the pass under way may have read the list before it
        else:
            self.soon.start()

    def sync_now(self) -> None:
        """Policy refresh, then delivery of ready calls: off the GUI thread, one at a time."""
        if self.running:
            return  # the timer fired during a long pass: that pass will do
        self.running = True
        self.soon.stop()
        self._show_running(True)
        context = self.context

        def work() -> object:
            from companion.app.sync.sync_pass import sync_pass

            return sync_pass(context, progress=self.progressed.emit)

        run_in_background(self.pool, work, self._synced, self._sync_failed, self)

    def _show_progress(self, step: object) -> None:
        assert isinstance(step, SyncProgress)
        self.tray.set_activity(step.words())
        self._show_sync_stage(step.call_id, step.stage)

    def _show_running(self, running: bool) -> None:
        action = self.tray.actions["sync_now"]
        action.setEnabled(not running)
        action.setText("Syncing…" if running else "Sync now")

    def _pass_over(self) -> None:
        self.running = False
        self._show_running(False)
        if self._again:
            self._again = False
            self.soon.start()

    def _synced(self, result: object) -> None:
        from companion.app.sync.sync_pass import SyncPass

        assert isinstance(result, SyncPass)
        self._pass_over()
        refresh, messages = result.refresh, self.context.messages
        if refresh.changed:  # news for the rep
            messages.info("Policy", refresh.message)
        elif refresh.refused and not refresh.repeated:  # once per published file
            messages.warning("Policy", refresh.message)
        if refresh.newly_expiring:
            self.warn_shortened_window(refresh.version, refresh.newly_expiring)
        self.tray.set_activity(result.summary)
        if result.not_set_up and not self._told_not_set_up:  # once per run, not per pass
            self._told_not_set_up = True
            messages.info("Sync", result.summary.removeprefix("sync: "))
        if result.offline:
            self.offline_retry.start()
        self.finished.emit(result.summary)

    def _sync_failed(self, error: BaseException) -> None:
        self._pass_over()
        reason = shown(error)
        self.context.messages.warning("Sync did not finish", f"{reason} (will retry)")
        self.tray.set_activity(f"sync did not finish: {reason}")
        self.finished.emit(reason)

    def warn_shortened_window(self, version: str, calls: int) -> RetentionWarning:
        remaining_ms = self.sweep_timer.remainingTime()
        hours = (remaining_ms if remaining_ms >= 0 else SWEEP_INTERVAL_MS) / 3_600_000
        self.warning = RetentionWarning(version, calls, hours, self._open_library)
        self.warning.show()
        return self.warning

    def sweep_now(self) -> None:
        """Delete local audio past its window (synced only; holds exempt), off the GUI thread."""
        context = self.context
        policy = context.active_policy().policy
        if policy is None:
            return

        def work() -> str:
            from companion.app.retention_sweep import sweep
            from companion.app.sync.org_holds import org_holds
            from companion.edges.sync.sealed_cache import SealedCache

            holds = org_holds(context.paths.data_dir)
            sealed = SealedCache.in_data(context.paths.data_dir)
            report = sweep(context.store, policy, context.rep, holds=holds, sealed=sealed)
            return report.summary(dry_run=False) if report.deleted else ""

        def done(summary: object) -> None:
            if summary:
                context.messages.info("Retention", str(summary))

        def failed(error: BaseException) -> None:
            context.messages.warning("Retention sweep did not finish", shown(error))

        run_in_background(self.pool, work, done, failed, self)
