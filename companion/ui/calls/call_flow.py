"""The start-of-call conversation: details, then either the block reason or the script.

Dialogs are opened non-modally (`open()`), so the tray stays responsive and tests
can drive each step with real clicks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QObject, QThreadPool
from PySide6.QtWidgets import QDialog

from companion.app.calls.calendar import CalendarLook, CalendarPrefill
from companion.app.calls.history import CallHistory
from companion.app.calls.service import CallRequest, CallService
from companion.app.messages import MessageChannel
from companion.core.calls.session import CallSession, CallState, InvalidTransition
from companion.core.errors import UNEXPECTED, UserFacingError
from companion.core.policy.active import ActivePolicy
from companion.core.policy.model import Policy
from companion.ui.background import run_in_background
from companion.ui.calls.blocked_dialog import BlockedDialog
from companion.ui.calls.consent_dialog import ConsentAnswer, ConsentDialog
from companion.ui.calls.quick_start import QuickStartDialog
from companion.ui.calls.start_call_dialog import CallDetailsForm, StartCallDialog

log = logging.getLogger(__name__)
D = TypeVar("D", bound=QDialog)


class CallFlow(QObject):
    def __init__(
        self,
        calls: CallService,
        policy: Callable[[], ActivePolicy],
        messages: MessageChannel,
        history: CallHistory | None = None,
        parent: QObject | None = None,
        calendar: CalendarPrefill | None = None,
    ) -> None:
        super().__init__(parent)
        self._calls = calls
        self._policy = policy
        self._messages = messages
        self._history = history
        self._calendar = calendar
        self.pool = QThreadPool(self)  # the calendar is read here, never on the GUI thread
        self.pool.setMaxThreadCount(1)
        self.dialog: QDialog | None = None
        self._language: str | None = None

    def ask_details(self) -> StartCallDialog:
        """Start call from the tray: the details (prefilled), then the script."""
        dialog = StartCallDialog(self._usable_policy())
        if self._history is not None:
            last = self._history.last()
            dialog.details.prefill(self._history.accounts(), last, account=False)
            dialog.account.textChanged.connect(lambda text: self._follow(dialog.details, text))
        dialog.accepted.connect(lambda: self._begin(dialog.request()))
        self._read_calendar(dialog.details)
        return self._show(dialog)

    def _read_calendar(self, details: CallDetailsForm) -> None:
        """The meetings around now, once read; a calendar that cannot be read changes
        nothing here (Settings and the log say why)."""
        calendar = self._calendar
        if calendar is None or not calendar.is_set():
            return
        details.reading_calendar(True)

        def done(look: object) -> None:
            assert isinstance(look, CalendarLook)
            details.offer_calendar(look.offers)

        run_in_background(
            self.pool, calendar.look, done, lambda _e: details.reading_calendar(False), details
        )

    def quick_start(self) -> QuickStartDialog:
        """From a detected call: one window, details prefilled with the last account."""
        dialog = QuickStartDialog(self._usable_policy(), self._calls.preview)
        if self._history is not None:
            dialog.details.prefill(self._history.accounts(), self._history.last(), account=True)
            dialog.details.account.textChanged.connect(
                lambda text: self._follow(dialog.details, text)
            )
        dialog.answered.connect(self._quick_answer)
        dialog.refresh()
        return self._show(dialog)

    def _usable_policy(self) -> Policy | None:
        return self._policy().policy

    def _follow(self, details: CallDetailsForm, account: str) -> None:
        """A known account brings its last call type and region with it."""
        last = self._history.last(account.strip()) if self._history else None
        if last is not None:
            details.follow(last)

    def _quick_answer(self, answer: ConsentAnswer, request: CallRequest) -> None:
        # Notes only was chosen for a blocked call: no dialog to say what it already said.
        session = self._start(request, say_blocked=answer is not ConsentAnswer.NONE)
        if session is not None and session.state is not CallState.BLOCKED:
            self._answered(answer, request.language or "")
        if answer is ConsentAnswer.UNCLEAR and session is not None:  # on in the call's dialog
            dialog = self.ask_consent()
            if dialog is not None:
                dialog.show_unclear()

    def ask_consent(self) -> ConsentDialog | None:
        """Open the script for the current call (also used to ask again after a join, or
        once what kept this computer from recording is fixed)."""
        try:
            if not self._calls.ask_again():
                return None  # still cannot record: the message says why
            script, language, version = self._calls.consent_script(self._language)
            decline = self._calls.decline_script(language)
        except InvalidTransition as error:
            self._messages.error("Cannot ask for consent", str(error))
            return None
        dialog = ConsentDialog(script, decline, version, language)
        dialog.answered.connect(lambda answer: self._answered(answer, language))
        return self._show(dialog)

    def run_safely(self, what: str, action: Callable[[], object]) -> None:
        """Run a service action; every failure reaches the rep through the one channel.

        A `UserFacingError` is the environment's fault and is shown as it is; anything
        else is a bug: its traceback goes to the log and the rep is told where to look.
        """
        try:
            action()
        except UserFacingError as error:
            self._messages.error(f"Could not {what}", error.shown())
        except Exception:
            log.exception("unexpected error while trying to %s", what)
            self._messages.error(f"Could not {what}", UNEXPECTED)

    def _begin(self, request: CallRequest) -> None:
        session = self._start(request, say_blocked=True)
        if session is not None and session.state is not CallState.BLOCKED:
            self.ask_consent()

    def _start(self, request: CallRequest, say_blocked: bool) -> CallSession | None:
        """Start the call; a block is shown with its reason (and whether it can be fixed)."""
        self._language = request.language
        try:
            session = self._calls.start_call(request)
        except UserFacingError as error:
            self._messages.error("Could not start the call", error.shown())
            return None
        if session.state is CallState.BLOCKED and say_blocked:
            fixable = session.decision is not None and session.decision.retryable
            self._show(BlockedDialog(session.transitions[-1].reason, fixable))
        return session

    def _answered(self, answer: ConsentAnswer, language: str) -> None:
        if answer is ConsentAnswer.AGREED:
            self.run_safely("mark consent", lambda: self._calls.mark_consent(language))
        elif answer is ConsentAnswer.DECLINED:
            self.run_safely("mark the decline", lambda: self._calls.mark_decline(language))
        elif answer is ConsentAnswer.UNCLEAR:
            self.run_safely("mark the unclear answer", lambda: self._calls.mark_unclear(language))
        elif answer is ConsentAnswer.NO_CLEAR_ANSWER:
            self.run_safely("go on without recording", self._calls.go_on_without_consent)

    def _show(self, dialog: D) -> D:
        if self.dialog is not None:
            self.dialog.close()
        self.dialog = dialog
        dialog.open()
        dialog.raise_()
        return dialog
