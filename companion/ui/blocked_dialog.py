"""Why this call cannot be recorded, and the way on: notes only."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QPushButton, QVBoxLayout, QWidget

from companion.ui.text import plain_label


class BlockedDialog(QDialog):
    def __init__(self, reason: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("This call will not be recorded")
        layout = QVBoxLayout(self)
        self.reason_label = plain_label(reason)
        self.reason_label.setWordWrap(True)
        layout.addWidget(self.reason_label)
        layout.addWidget(plain_label("You can still take notes and mark moments."))
        self.notes_button = QPushButton("Continue with notes only")
        self.notes_button.setMinimumHeight(40)
        self.notes_button.clicked.connect(self.accept)
        layout.addWidget(self.notes_button)
