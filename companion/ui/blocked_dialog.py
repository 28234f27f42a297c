"""Why this call cannot be recorded, and the way on: notes only."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QLabel, QPushButton, QVBoxLayout, QWidget


class BlockedDialog(QDialog):
    def __init__(self, reason: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("This call will not be recorded")
        layout = QVBoxLayout(self)
        self.reason_label = QLabel(reason)
        self.reason_label.setWordWrap(True)
        layout.addWidget(self.reason_label)
        layout.addWidget(QLabel("You can still take notes and mark moments."))
        self.notes_button = QPushButton("Continue with notes only")
        self.notes_button.setMinimumHeight(40)
        self.notes_button.clicked.connect(self.accept)
        layout.addWidget(self.notes_button)
