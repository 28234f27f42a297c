"""The consent script, large and readable, and the customer's answer in clear buttons.

An unclear answer is not a yes: it is logged on its own, and the rep asks again or goes
on without recording; recording never starts from it.
"""

from __future__ import annotations

from enum import Enum

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from companion.ui.look.fit import GrowingScroll, fit_to_contents
from companion.ui.look.text import plain_label
from companion.ui.look.theme import SPACE_L, SPACE_M, role_font


class ConsentAnswer(Enum):
    NONE = "none"
    AGREED = "agreed"
    DECLINED = "declined"
    UNCLEAR = "unclear"  # logged; the rep asks again or goes on without recording
    NO_CLEAR_ANSWER = "no_clear_answer"  # after an unclear answer: notes only


UNCLEAR_WORDS = (
    "The answer was not a clear yes, so nothing is recorded. Ask again (in other words "
    "if that helps), or go on without recording."
)
ASK, DECLINED_PAGE, UNCLEAR_PAGE = 0, 1, 2


def unclear_page(ask_again: QPushButton, go_on: QPushButton) -> QWidget:
    """After an unclear answer: what it means, and the two ways on."""
    page = QWidget()
    layout = QVBoxLayout(page)
    layout.setSpacing(SPACE_M)
    layout.setContentsMargins(SPACE_L, SPACE_L, SPACE_L, SPACE_L)
    words = big_label(UNCLEAR_WORDS, "title")
    layout.addWidget(words)
    for button in (ask_again, go_on):
        button.setAutoDefault(False)
        button.setMinimumHeight(44)
        layout.addWidget(button)
    return page


def big_label(text: str, role: str = "script") -> QLabel:
    """Text to read out: a step of the type scale above the body (grows with the system's)."""
    label = plain_label(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setFont(role_font(label, role))
    return label


class ConsentDialog(QDialog):
    """Page 1: read the script, mark the answer. Page 2 (decline): the decline script.
    Page 3 (unclear): ask again, or go on without recording.

    `answered` fires the moment the rep clicks, so a decline is logged even if the
    rep never closes the second page.
    """

    answered = Signal(object)

    def __init__(
        self,
        script: str,
        decline_script: str,
        script_version: str,
        language: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Ask for consent")
        self.setMinimumWidth(560)
        self.answer = ConsentAnswer.NONE
        self.pages = QStackedWidget()
        self.script_label = big_label(script)
        self.decline_label = big_label(decline_script)
        self.agree_button = QPushButton("The customer agreed: start recording")
        self.decline_button = QPushButton("The customer declined: continue without recording")
        self.continue_button = QPushButton("Continue with notes only")
        self.unclear_button = QPushButton("The answer was unclear: do not record yet")
        self.ask_again_button = QPushButton("Ask again")
        self.go_on_button = QPushButton("Go on without recording")
        # The script takes the focus first: a screen reader reads it, and no answer is
        # preselected (Space on a focused answer would give it for the customer).
        self.script_label.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.script_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.pages.addWidget(self._ask_page(script_version, language))
        self.pages.addWidget(self._declined_page())
        self.pages.addWidget(unclear_page(self.ask_again_button, self.go_on_button))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)  # each page has the theme's margins
        layout.addWidget(GrowingScroll(self.pages))  # the whole script, at any font size
        self.agree_button.clicked.connect(self._agreed)
        self.decline_button.clicked.connect(self._declined)
        self.continue_button.clicked.connect(self.accept)
        self.unclear_button.clicked.connect(self._unclear)
        self.ask_again_button.clicked.connect(self.ask_again)
        self.go_on_button.clicked.connect(self._no_clear_answer)

    def _ask_page(self, version: str, language: str) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setSpacing(SPACE_M)
        layout.setContentsMargins(SPACE_L, SPACE_L, SPACE_L, SPACE_L)
        layout.addWidget(plain_label("Read this to the customer:"))
        layout.addWidget(self.script_label)
        version_label = plain_label(f"Approved script version {version} ({language})")
        version_label.setProperty("role", "muted")
        layout.addWidget(version_label)
        for button in (self.agree_button, self.decline_button, self.unclear_button):
            # None is a default button: Enter must never answer for the customer.
            button.setAutoDefault(False)
            button.setDefault(False)
            button.setMinimumHeight(44)
            layout.addWidget(button)
        return page

    def _declined_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setSpacing(SPACE_M)
        layout.setContentsMargins(SPACE_L, SPACE_L, SPACE_L, SPACE_L)
        layout.addWidget(plain_label("Say to the customer:"))
        layout.addWidget(self.decline_label)
        layout.addWidget(
            plain_label("Nothing is being recorded. Your notes and moments still work.")
        )
        self.continue_button.setMinimumHeight(44)
        layout.addWidget(self.continue_button)
        return page

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        fit_to_contents(self)
        if self.pages.currentIndex() == 0:
            self.script_label.setFocus()

    def _agreed(self) -> None:
        self.answer = ConsentAnswer.AGREED
        self.answered.emit(self.answer)
        self.accept()

    def _declined(self) -> None:
        self.answer = ConsentAnswer.DECLINED
        self.answered.emit(self.answer)
        self.pages.setCurrentIndex(DECLINED_PAGE)

    def _unclear(self) -> None:
        self.answer = ConsentAnswer.UNCLEAR
        self.answered.emit(self.answer)
        self.show_unclear()

    def show_unclear(self) -> None:
        self.pages.setCurrentIndex(UNCLEAR_PAGE)
        self.ask_again_button.setFocus()

    def ask_again(self) -> None:
        self.answer = ConsentAnswer.NONE
        self.pages.setCurrentIndex(ASK)
        self.script_label.setFocus()

    def _no_clear_answer(self) -> None:
        self.answer = ConsentAnswer.NO_CLEAR_ANSWER
        self.answered.emit(self.answer)
        self.pages.setCurrentIndex(DECLINED_PAGE)  # the decline script is said, then on
