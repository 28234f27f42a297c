"""Questions before an act that cannot be undone: quitting mid-call, deleting audio.

Non-modal (`open()`): the rep may be talking; the tray and the call window stay live.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget

from companion.ui.look import icons
from companion.ui.look.theme import current_palette


class Confirmation(QMessageBox):
    """`yes_button` runs `on_yes`; `no_button` (the default, and Escape) does nothing."""

    def __init__(
        self,
        title: str,
        text: str,
        yes: str,
        no: str,
        on_yes: Callable[[], object],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setIconPixmap(icons.icon("circle-question", current_palette().accent).pixmap(48))
        self.setWindowTitle(title)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setText(text)
        self.yes_button: QPushButton = self.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
        self.no_button: QPushButton = self.addButton(no, QMessageBox.ButtonRole.RejectRole)
        self.setDefaultButton(self.no_button)  # Enter never deletes or quits
        self.setEscapeButton(self.no_button)
        self.yes_button.clicked.connect(on_yes)
        self.setModal(False)


def quit_during_call(account: str, on_yes: Callable[[], object]) -> Confirmation:
    return Confirmation(
        "A call is running",
        f"The call with {account} is still running. End it properly and quit? "
        "(The end is audited; its review opens next time.)",
        "End the call and quit",
        "Keep running",
        on_yes,
    )


def withdrawal(keeps_audio: bool, on_yes: Callable[[], object]) -> Confirmation:
    what = (
        "the audio recorded so far is kept, as the policy says"
        if keeps_audio
        else "the audio recorded so far is deleted now, as the policy says"
    )
    return Confirmation(
        "The customer withdrew consent",
        f"Recording stops for the rest of this call and {what}. Notes go on.",
        "Stop recording" if keeps_audio else "Stop recording and delete the audio",
        "Cancel",
        on_yes,
    )
