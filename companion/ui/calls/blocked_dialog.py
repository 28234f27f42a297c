"""Why this call cannot be recorded, and the way on: notes only."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QPushButton, QVBoxLayout, QWidget

from companion.ui.look.text import plain_label
from companion.ui.look.theme import SPACE_L


class BlockedDialog(QDialog):
    def __init__(self, reason: str, fixable: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("This call will not be recorded")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(SPACE_L, SPACE_L, SPACE_L, SPACE_L)
        heading = plain_label("This call will not be recorded")
        heading.setProperty("role", "title")
        layout.addWidget(heading)
        self.reason_label = plain_label(reason)
        self.reason_label.setWordWrap(True)
        layout.addWidget(self.reason_label)
        layout.addWidget(plain_label("You can still take notes and mark moments."))
        if fixable:  # this computer, not the policy: the customer was not asked yet
            self.fix_hint = plain_label(
                "The customer has not been asked. Once it is fixed, choose "
                "“Ask for consent again…” in the tray menu."
            )
            self.fix_hint.setWordWrap(True)
            layout.addWidget(self.fix_hint)
        self.notes_button = QPushButton("Continue with notes only")
        self.notes_button.setMinimumHeight(40)
        self.notes_button.clicked.connect(self.accept)
        layout.addWidget(self.notes_button)
