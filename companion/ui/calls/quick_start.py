"""One window from "Call starting in Zoom" to recording: the call's details, prefilled
and editable, above the consent script and the customer's two answers.

For a known account, clicking the prompt and "The customer agreed" are the only clicks.
What the policy and this computer allow is previewed as the details change: where the
call may not or cannot be recorded, the reason shows instead of the script, and the
customer is never asked.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QDialog, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from companion.app.calls.service import CallRequest
from companion.core.policy.model import Policy
from companion.core.policy.rules import RecordingDecision
from companion.ui.calls.consent_dialog import ConsentAnswer, big_label
from companion.ui.calls.start_call_dialog import CallDetailsForm, missing_label
from companion.ui.look.fit import GrowingScroll, fit_to_contents
from companion.ui.look.text import plain_label

PREVIEW_MS = 150  # after the last change of the details
ASK, NOT_RECORDED, DECLINED = 0, 1, 2


class QuickStartDialog(QDialog):
    """`answered(answer, request)`: agreed or declined, or NONE for notes only."""

    answered = Signal(object, object)

    def __init__(
        self,
        policy: Policy | None,
        preview: Callable[[CallRequest], RecordingDecision],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Start call and ask for consent")
        self.setMinimumWidth(600)
        self._policy, self._preview = policy, preview
        self.details = CallDetailsForm(policy)
        self.pages = QStackedWidget()
        self.script_label = big_label("")
        self.version_label = plain_label()
        self.version_label.setProperty("role", "muted")
        self.reason_label = big_label("", "title")
        self.decline_label = big_label("")
        self.agree_button = QPushButton("The customer agreed: start recording")
        self.decline_button = QPushButton("The customer declined: continue without recording")
        self.unclear_button = QPushButton("The answer was unclear: do not record yet")
        self.notes_button = QPushButton("Start the call with notes only")
        self.continue_button = QPushButton("Continue with notes only")
        self.missing = missing_label()  # why the answers are disabled
        self._build()
        self.debounce = QTimer(self)
        self.debounce.setSingleShot(True)
        self.debounce.setInterval(PREVIEW_MS)
        self.debounce.timeout.connect(self.refresh)
        self.details.changed.connect(self.debounce.start)

    def _build(self) -> None:
        ask = QWidget()
        column = QVBoxLayout(ask)
        column.addWidget(plain_label("Read this to the customer:"))
        column.addWidget(self.script_label)
        column.addWidget(self.version_label)
        for button in (self.agree_button, self.decline_button, self.unclear_button):
            button.setAutoDefault(False)  # Enter never answers for the customer
            button.setMinimumHeight(44)
            column.addWidget(button)
        blocked = QWidget()
        column = QVBoxLayout(blocked)
        column.addWidget(plain_label("This call will not be recorded:"))
        column.addWidget(self.reason_label)
        column.addWidget(self.notes_button)
        declined = QWidget()
        column = QVBoxLayout(declined)
        column.addWidget(plain_label("Say to the customer:"))
        column.addWidget(self.decline_label)
        column.addWidget(self.continue_button)
        for page in (ask, blocked, declined):
            self.pages.addWidget(page)
        layout = QVBoxLayout(self)
        layout.addWidget(self.details)
        layout.addWidget(GrowingScroll(self.pages))  # the whole script, at any font size
        layout.addWidget(self.missing)
        self.agree_button.clicked.connect(lambda: self._answer(ConsentAnswer.AGREED))
        self.decline_button.clicked.connect(lambda: self._answer(ConsentAnswer.DECLINED))
        self.unclear_button.clicked.connect(lambda: self._answer(ConsentAnswer.UNCLEAR))
        self.notes_button.clicked.connect(lambda: self._answer(ConsentAnswer.NONE))
        self.continue_button.clicked.connect(self.accept)

    def refresh(self) -> None:
        """Show the script for these details, or why there will be no recording."""
        request = self.details.request()
        has_account = bool(request.account)
        self.missing.setVisible(not has_account and self.pages.currentIndex() != DECLINED)
        decision = self._preview(request)
        if not decision.allowed or self._policy is None:
            self.reason_label.setText(decision.reason)
            self.pages.setCurrentIndex(NOT_RECORDED)
            self.notes_button.setEnabled(has_account)
            fit_to_contents(self)
            return
        script, language = self._policy.consent_script(request.language)
        self.script_label.setText(script)
        self.decline_label.setText(self._policy.decline_script(language))
        self.version_label.setText(
            f"Approved script version {self._policy.consent.script_version} ({language})"
        )
        self.pages.setCurrentIndex(ASK)
        for button in (self.agree_button, self.decline_button, self.unclear_button):
            button.setEnabled(has_account)  # who the call is with comes first
        fit_to_contents(self)  # the whole script, whatever page was shown before

    def _answer(self, answer: ConsentAnswer) -> None:
        self.answered.emit(answer, self.details.request())
        if answer is ConsentAnswer.DECLINED:
            self.pages.setCurrentIndex(DECLINED)  # the decline script is said, then on
        else:
            self.accept()
