""" "Call starting in Zoom: Start call" and "Call ended in Zoom? End call".

Polls the call watch on a timer (it only reads what the watch thread saw), offers the
start in a notification the rep can click and in the tray menu, and after the call app
lets the microphone go, asks to end the call and ends it after the policy's grace
period if nobody answers, so a forgotten call cannot run for a day.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction

from companion.app.calls.service import CallService
from companion.app.calls.watch import CallWatch
from companion.app.messages import MessageChannel
from companion.core.calls.detection import CallAppGone, CallStarting
from companion.core.calls.session import CallSession, CallState

log = logging.getLogger(__name__)
POLL_MS = 250


class CallPrompt(QObject):
    offered = Signal(str)  # the app whose call is offered
    end_asked = Signal(str)

    def __init__(
        self,
        watch: CallWatch,
        calls: CallService,
        messages: MessageChannel,
        start_call: Callable[[], object],
        start_action: QAction,
        ignore_action: QAction,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._watch, self._calls, self._messages = watch, calls, messages
        self._start_call = start_call
        self.start_action, self.ignore_action = start_action, ignore_action
        self.app: str | None = None  # offered, or the one the running call came from
        self.poll = QTimer(self)
        self.poll.setInterval(POLL_MS)
        self.poll.timeout.connect(self.check)
        self.grace = QTimer(self)
        self.grace.setSingleShot(True)
        self.grace.timeout.connect(self._grace_over)
        self.ignore_action.setVisible(False)
        self.ignore_action.setEnabled(False)
        self.pending = False  # an offer the rep has not taken up yet
        calls.subscribe(self._call_changed)

    def start_noticing(self) -> None:
        self._watch.start_watching()
        self.poll.start()

    def stop(self) -> None:
        self.poll.stop()
        self.grace.stop()
        self._watch.stop()

    def check(self) -> None:
        for event in self._watch.tick():
            if isinstance(event, CallStarting):
                self._starting(event.app)
            elif isinstance(event, CallAppGone):
                self._gone(event.app)

    def clicked(self) -> None:
        """The rep clicked the notification: the start dialog, if a call was offered."""
        if self.pending and not self._in_call():
            self._withdraw_offer()
            self._start_call()

    def ignore(self) -> None:
        if self.app is not None:
            self._watch.ignore(self.app)
            self._messages.info("Ignored", f"Calls in {self.app} will not be offered again.")
            self._withdraw_offer()

    def _call_changed(self, session: CallSession | None) -> None:
        if session is None or session.state is CallState.ENDED:
            self.grace.stop()  # ended by the rep: nothing left to end
            self._withdraw_offer()
        elif self.pending:
            self._withdraw_offer()  # taken up (or a call started by hand)

    def _in_call(self) -> bool:
        current = self._calls.current
        return current is not None and current.state is not CallState.ENDED

    def _starting(self, app: str) -> None:
        self.app = app
        if self._in_call():  # the app took the mic again: it was a pause, not an end
            self.grace.stop()
            return
        self.pending = True
        self.start_action.setText(f"Start call ({app})…")
        self.ignore_action.setText(f"Ignore {app}")
        self.ignore_action.setVisible(True)
        self.ignore_action.setEnabled(True)
        self._messages.info(  # urgent: the customer is about to be on the line
            f"Call starting in {app}", "Click here, or Start call in the tray menu.", urgent="yes"
        )
        self.offered.emit(app)

    def _gone(self, app: str) -> None:
        if not self._in_call():
            self._withdraw_offer()
            return
        minutes = self._watch.detector.rules.end_grace_minutes
        self._messages.warning(
            f"Call ended in {app}?",
            f"End the call in the tray menu; it ends by itself in {minutes} min.",
        )
        self.grace.start(minutes * 60_000)
        self.end_asked.emit(app)

    def _grace_over(self) -> None:
        if self._in_call():
            log.info("ending the call: %s let the microphone go", self.app)
            self._calls.end_call()
            self._messages.info("Call ended", f"{self.app} had let the microphone go.")
        self._withdraw_offer()

    def _withdraw_offer(self) -> None:
        self.pending = False
        self.start_action.setText("Start call…")
        self.ignore_action.setVisible(False)
        self.ignore_action.setEnabled(False)
