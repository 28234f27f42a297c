"""Raise a concern: privacy, AI errors, coaching misuse, consent confusion, access."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from companion.app.sync.concerns import CATEGORIES
from companion.core.errors import UserFacingError
from companion.ui.look.a11y import name_fields
from companion.ui.look.text import plain_label

Send = Callable[[str, str, bool], object]  # category, text, anonymous


class ConcernDialog(QDialog):
    def __init__(
        self,
        send: Send,
        parent: QWidget | None = None,
        *,
        category: str | None = None,
        text: str = "",
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Raise a concern")
        self._send = send
        self.category = QComboBox()
        for key, label in CATEGORIES.items():
            self.category.addItem(label, key)
        if category is not None:
            self.category.setCurrentIndex(max(0, self.category.findData(category)))
        self.text = QPlainTextEdit(text)
        self.text.setAccessibleName("Your concern")
        self.text.setPlaceholderText("What happened, and what would make it right")
        self.anonymous = QCheckBox("Send anonymously (your name is not stored)")
        self.problem = plain_label("")
        self.send_button = QPushButton("Send with the next sync")
        self.send_button.clicked.connect(self._submit)
        layout = QVBoxLayout(self)
        layout.addWidget(plain_label("What is it about?"))
        layout.addWidget(self.category)
        layout.addWidget(self.text)
        layout.addWidget(self.anonymous)
        layout.addWidget(self.problem)
        layout.addWidget(self.send_button)
        name_fields(self)

    def _submit(self) -> None:
        try:
            self._send(
                str(self.category.currentData()),
                self.text.toPlainText(),
                self.anonymous.isChecked(),
            )
        except UserFacingError as error:  # the concern as written, or the store
            self.problem.setText(str(error))
            return
        self.accept()
