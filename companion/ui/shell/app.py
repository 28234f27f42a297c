"""Wiring the tray app: context in, windows out. No logic of its own beyond routing.

Started by `start.run`, which shows the tray icon before this module loads.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QFileSystemWatcher, QObject, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QSystemTrayIcon, QWidget

from companion.app.calls.recovery import RecoveryReport, recover_interrupted
from companion.app.compose import AppContext
from companion.app.library.search import access_view
from companion.app.sync.concerns import raise_concern
from companion.app.sync.sync_pass import sync_problem, target_choice, test_sync_target
from companion.app.transcripts.worker import engine_words
from companion.core.calls.session import CallSession, CallState
from companion.core.errors import UserFacingError, shown
from companion.core.policy.model import WithdrawalAction
from companion.ui.background import run_in_background
from companion.ui.calls.call_flow import CallFlow
from companion.ui.calls.call_prompt import CallPrompt
from companion.ui.calls.call_windows import CallWindows
from companion.ui.calls.moment_keys import MomentKeys
from companion.ui.review.review_windows import ReviewWindows
from companion.ui.shell.confirm import Confirmation, quit_during_call, withdrawal
from companion.ui.shell.sync_control import SyncControl
from companion.ui.shell.transcription_status import TranscriptionStatus
from companion.ui.shell.tray import TrayController, policy_words

if TYPE_CHECKING:  # the windows load when first opened: the idle tray does without them
    from companion.ui.calls.call_window import CallWindow
    from companion.ui.library.library_window import LibraryWindow
    from companion.ui.review.concern_dialog import ConcernDialog
    from companion.ui.review.review_window import ReviewWindow
    from companion.ui.shell.control_window import ControlWindow

log = logging.getLogger(__name__)
UNSAVED_RETRY_MS = 5_000


class TrayApp(QObject):
    recovery_finished = Signal()

    def __init__(
        self,
        context: AppContext,
        quit_app: Callable[[], None],
        icon: QSystemTrayIcon | None = None,
    ) -> None:
        """`icon`: the tray icon shown while the app started (`start.run`), kept."""
        super().__init__()
        self.context = context
        self._quit_app = quit_app
        self.flow = CallFlow(
            context.calls,
            context.active_policy,
            context.messages,
            context.history,
            calendar=context.calendar(),
        )
        self.tray = TrayController(self._handlers(), icon=icon)
        self.prompt = CallPrompt(
            context.call_watch,
            context.calls,
            context.messages,
            self.flow.quick_start,
            self.tray.actions["start_call"],
            self.tray.actions["ignore_app"],
            self.tray,
        )
        self.tray.icon.messageClicked.connect(self._message_clicked)
        self.tray.icon.activated.connect(self._tray_clicked)
        self.moment_keys = MomentKeys(
            context.global_keys,
            context.calls,
            self.mark_tagged,
            self.tray,
            refuse=lambda why: context.messages.info("Not marked", why),
        )
        self.windows: dict[str, QWidget] = {}
        self.control: ControlWindow | None = None
        self.call_windows = CallWindows(
            context.calls,
            context.settings,
            context.messages,
            self.open_review,
            (self.mark_moment, self.pause_or_resume, self._end_call),
            self.tray,
        )
        self.tray.keep_clear = self.call_windows.areas
        self.confirmation: Confirmation | None = None  # the question open, if any
        self.pool = QThreadPool(self.tray)
        self.reviews = ReviewWindows(
            context,
            self.flow,
            self.windows,
            self.pool,
            lambda text: self.raise_concern("ai_error", text),
            ready=lambda _call_id: self.sync.sync_soon(),
        )
        # Writes a full disk refused (kept in memory) are retried between calls too.
        self.unsaved_retry = QTimer(self.tray)
        self.unsaved_retry.setInterval(UNSAVED_RETRY_MS)
        self.unsaved_retry.timeout.connect(self._retry_unsaved)
        self.unsaved_retry.start()
        self._relays: list[QObject] = []
        self.sync = SyncControl(
            context,
            self.tray,
            self.pool,
            self._show_sync_stage,
            lambda: self.open_window("library"),
        )
        self.sync.finished.connect(lambda _summary: self._refresh_library())
        self.sync.finished.connect(lambda _summary: self.show_policy())  # one just installed
        # A policy installed by anything else (companion configure, IT's tools): the
        # tooltip follows the file, not the next sync.
        self.policy_watch = QFileSystemWatcher(self.tray)
        self.policy_watch.directoryChanged.connect(lambda _d: self.show_policy())
        self.policy_watch.fileChanged.connect(lambda _f: self.show_policy())
        self.show_policy()
        self.transcription = TranscriptionStatus(
            context.transcription, self.tray, self.reviews.visible
        )
        context.calls.subscribe(self._call_changed)
        context.messages.subscribe(self.tray.show_message)

    def _handlers(self) -> dict[str, Callable[[], object]]:
        calls, flow = self.context.calls, self.flow
        return {
            "start_call": self.start_call,
            "ignore_app": lambda: self.prompt.ignore(),
            "ask_again": flow.ask_consent,
            "mark_moment": self.mark_moment,
            "pause_resume": self.pause_or_resume,
            "participant_joined": lambda: flow.run_safely("pause", calls.participant_joined),
            "withdraw": self.confirm_withdrawal,
            "end_call": lambda: flow.run_safely("end the call", calls.end_call),
            "show_call": lambda: self.call_windows.bring_back(),
            "sync_now": lambda: self.sync.sync_now(),
            "library": lambda: self.open_window("library"),
            "policy": lambda: self.open_window("policy"),
            "settings": lambda: self.open_window("settings"),
            "concern": self.raise_concern,
            "quit": self.ask_to_quit,
        }

    def show_policy(self) -> None:
        """The policy in force, in the tray's tooltip; the watch on its file renewed."""
        override = self.context.paths.policy_override
        watched = [override.parent, override] if override.exists() else [override.parent]
        missing = [str(p) for p in watched if str(p) not in self.policy_watch.files()]
        missing = [p for p in missing if p not in self.policy_watch.directories()]
        if missing:
            self.policy_watch.addPaths(missing)
        self.tray.set_policy(policy_words(self.context.active_policy()))

    def show(self) -> None:
        self.tray.icon.show()
        self.tray.watch_tooltips()
        self.prompt.start_noticing()  # notice calls by the microphone
        if not QSystemTrayIcon.isSystemTrayAvailable():
            from companion.ui.shell.control_window import ControlWindow

            # No tray host (some desktops): the same actions in a small window.
            self.control = ControlWindow(self.tray.actions)
            self.tray.state_shown.connect(lambda _n: self._update_control())
            self.control.show()
        self.announce_start_state()
        self.sync.start_schedule()
        self.context.transcription.start_jobs()  # resumes what a quit or crash left
        self.context.transcription.kick()

    def start_call(self) -> object:
        """Offered by a detected call: the one-window start; else the start dialog."""
        return self.flow.quick_start() if self.prompt.pending else self.flow.ask_details()

    @property
    def call_window(self) -> CallWindow | None:
        return self.call_windows.window

    def _end_call(self) -> None:
        self.flow.run_safely("end the call", self.context.calls.end_call)

    def _tray_clicked(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason is QSystemTrayIcon.ActivationReason.Trigger:  # left-click
            self.call_windows.toggle()

    def come_forward(self) -> None:
        """Another launch on this profile: show what is running instead of a second app."""
        window: QWidget | None = self.call_window or self.control
        if window is not None:
            window.show()
            window.raise_()
            window.activateWindow()
        self.context.messages.info(
            "Rep Companion is already running", "Its tray icon has everything; no second copy."
        )

    def announce_start_state(self) -> None:
        messages = self.context.messages
        closed = self.context.calls.close_abandoned_calls()
        if closed:
            messages.warning("Unfinished call closed", f"{closed} call(s) left open were ended.")
        self.recover_recordings()
        active = self.context.active_policy()
        if active.error is not None:
            first = active.error.problems[0]
            messages.error(
                "Policy cannot be used: notes only",
                f"{active.path}: {first.field}: {first.message}",
            )

    def recover_recordings(self) -> None:
        """Repair recordings a crash left behind, off the GUI thread; tell the rep."""
        context = self.context

        def work() -> RecoveryReport:
            return recover_interrupted(context.store, context.audio_keys.master_key, context.rep)

        def done(report: object) -> None:
            assert isinstance(report, RecoveryReport)
            for call_id, seconds in report.recovered:
                self._say_recovered(call_id, seconds)
            if report.failed:
                context.messages.warning("Recording not recovered", report.summary())
            self.recovery_finished.emit()

        def failed(error: BaseException) -> None:
            context.messages.error("Could not recover interrupted recordings", shown(error))
            self.recovery_finished.emit()

        self._relays.append(run_in_background(self.pool, work, done, failed, self.tray))

    def _say_recovered(self, call_id: str, seconds: float) -> None:
        """Names the call, and a click on the notification opens its review."""
        try:
            call = self.context.review.review(call_id)
        except UserFacingError:
            words = f"Call {call_id[:8]}: {seconds:.0f} s of audio kept."
        else:
            when = f"{call.started_at:%d %b, %H:%M}"
            words = f"{call.account}, {when}: {seconds:.0f} s of audio kept."
        self.context.messages.warning(
            "Recording recovered after a crash",
            f"{words} Click to review it.",
            review=call_id,
        )

    def _message_clicked(self) -> None:
        """A click on a notification: the review it offers, else the call it offers."""
        shown = self.tray.shown
        call_id = shown.context.get("review") if shown is not None else None
        if call_id:
            self.open_review(call_id)
            return
        self.prompt.clicked()

    def _retry_unsaved(self) -> None:
        if self.context.calls.unsaved.count:
            self.context.calls.unsaved.retry()

    def _show_sync_stage(self, call_id: str, stage: str) -> None:
        library = self._library()
        if library is not None:
            library.show_sync_stage(call_id, stage)

    def _refresh_library(self) -> None:
        library = self._library()
        if library is not None:
            library.refresh()

    def _library(self) -> LibraryWindow | None:
        """The library window if it was opened (its module loads only then)."""
        window = self.windows.get("library")
        if window is None:
            return None
        from companion.ui.library.library_window import LibraryWindow

        return window if isinstance(window, LibraryWindow) else None

    def _update_control(self) -> None:
        if self.control is not None:
            self.control.show_state(self.tray.look.words)

    def _call_changed(self, session: CallSession | None) -> None:
        self.tray.show_state(session)
        self.call_windows.follow(session)
        self.tray.clear_popups()  # a balloon already up when the bar appears
        self._refresh_library()

    def open_review(self, call_id: str) -> ReviewWindow:
        """One review window per call; playback loads only when the rep plays."""
        return self.reviews.open(call_id)

    def raise_concern(self, category: str | None = None, attached: str = "") -> ConcernDialog:
        """The concern dialog; a wrong draft arrives with its category and text filled in."""
        from companion.ui.review.concern_dialog import ConcernDialog

        context = self.context

        def send(category: str, text: str, anonymous: bool) -> None:
            raise_concern(context.store, category, text, anonymous, context.rep)
            context.messages.info("Concern noted", "It will be sent with the next sync.")

        dialog = ConcernDialog(send, category=category, text=attached)
        self.windows["concern"] = dialog
        dialog.open()
        return dialog

    def mark_tagged(self, tag: str) -> None:
        """A system-wide key: marked in the call window (if open), confirmed briefly."""
        window = self.call_window
        if window is not None:
            line = window.mark(tag)
            if line:
                self.context.messages.info("Moment marked", line)
            return
        self.flow.run_safely("mark the moment", lambda: self.context.calls.mark_moment(tag))

    def mark_moment(self) -> None:
        if self.call_window is not None:
            line = self.call_window.mark(None)
            if line:  # marked from the tray: the window may be hidden, so confirm
                self.context.messages.info("Moment marked", line)
            return

        def mark() -> None:
            moment = self.context.calls.mark_moment()
            minutes, seconds = divmod(moment.offset_ms // 1000, 60)
            self.context.messages.info("Moment marked", f"at {minutes:02d}:{seconds:02d}")

        self.flow.run_safely("mark the moment", mark)

    def pause_or_resume(self) -> None:
        calls = self.context.calls
        paused = calls.current is not None and calls.current.state is CallState.PAUSED
        self.flow.run_safely(
            "resume" if paused else "pause", calls.resume if paused else calls.pause
        )

    def open_window(self, name: str) -> QWidget:
        window = self.windows.get(name)
        if window is None:
            window = self._make_window(name)
            self.windows[name] = window
        elif name == "library" and (library := self._library()) is not None:
            library.refresh()
        window.show()
        window.raise_()
        return window

    def _make_window(self, name: str) -> QWidget:
        context = self.context
        active = context.active_policy()
        if name == "library":
            from companion.ui.library.library_window import LibraryWindow

            policy = active.policy
            return LibraryWindow(
                context.search_calls,
                policy,
                self.open_review,
                context.exports,
                access=lambda: access_view(context.paths.data_dir, context.rep, policy),
                syncs=sync_problem(context) is None,
            )
        if name == "policy":
            from companion.ui.shell.policy_window import PolicyWindow

            return PolicyWindow(active)
        from companion.edges.autostart import SessionAutostart
        from companion.ui.settings.calendar_settings import CalendarSettings
        from companion.ui.settings.settings_window import SettingsWindow
        from companion.ui.settings.sync_settings import SyncSettings
        from companion.ui.settings.transcription_settings import TranscriptionSettings

        sync_box = SyncSettings(
            context.settings,
            context.secrets,
            lambda: test_sync_target(context),
            sync_problem(context),
            choice=target_choice(context),
        )
        transcription_box = TranscriptionSettings(
            context.settings, lambda: engine_words(context.active_policy().policy, context.settings)
        )
        return SettingsWindow(
            context.paths,
            context.rep,
            str(active.path),
            context.settings,
            sync_box,
            transcription_box=transcription_box,
            managed=context.managed,
            autostart=SessionAutostart.from_environment(),
            calendar_box=CalendarSettings(context.settings, context.calendar().look, self.pool),
        )

    def ask_to_quit(self) -> None:
        """The tray's Quit: mid-call, ask first (SIGTERM and the session's end do not)."""
        session = self.context.calls.current
        if session is None or session.state is CallState.ENDED:
            self.quit()
            return
        self.confirmation = quit_during_call(session.details.account, self.quit)
        self.confirmation.open()

    def confirm_withdrawal(self) -> None:
        calls = self.context.calls
        active = calls.policy_in_use
        policy = active.policy if active else None
        keeps = policy is not None and policy.recording.on_withdrawal is WithdrawalAction.KEEP
        self.confirmation = withdrawal(
            keeps, lambda: self.flow.run_safely("stop", calls.withdraw_consent)
        )
        self.confirmation.open()

    def quit(self) -> None:
        calls = self.context.calls
        if calls.current is not None and calls.current.state is not CallState.ENDED:
            self.flow.run_safely("end the call", calls.end_call)
        self.prompt.stop()
        self.moment_keys.stop()
        self.context.transcription.stop()  # a job cut short resumes at the next start
        self.tray.icon.hide()
        self.pool.waitForDone(10_000)  # let a running recovery finish its rename
        self._quit_app()
