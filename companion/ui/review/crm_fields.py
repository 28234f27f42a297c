"""The review's CRM fields: the rep's text, and the app's drafts waiting for a decision.

A drafted field says so, and has its own Confirm and Report buttons: saving the form
never confirms a draft, and a draft counts for nothing until the rep confirms it.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from companion.app.review.crm import CrmFieldView
from companion.ui.look.text import plain_label

DRAFT_NOTE = "DRAFT from the transcript: edit it, then Confirm, or clear it"


class CrmFieldRow(QWidget):
    def __init__(self, field: CrmFieldView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = field.key
        self.box = QPlainTextEdit()
        self.box.setFixedHeight(56)
        self.box.setAccessibleName(field.label)
        self.draft_note = plain_label(DRAFT_NOTE)
        self.confirm = QPushButton("Confirm draft")
        self.confirm.setAccessibleName(f"Confirm the draft of {field.label}")
        self.report = QPushButton("Report a wrong draft")
        self.report.setAccessibleName(f"Report a wrong draft of {field.label}")
        buttons = QHBoxLayout()
        buttons.addWidget(self.draft_note, 1)
        buttons.addWidget(self.confirm)
        buttons.addWidget(self.report)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.box)
        layout.addLayout(buttons)

    def show_field(self, field: CrmFieldView) -> None:
        if self.box.toPlainText() != field.text:
            self.box.setPlainText(field.text)
        for widget in (self.draft_note, self.confirm, self.report):
            widget.setVisible(field.draft)


class CrmFieldsForm(QWidget):
    typed = Signal()
    confirm_requested = Signal(str)  # field key
    report_requested = Signal(str)  # the draft's text

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: dict[str, CrmFieldRow] = {}
        self.form = QFormLayout(self)
        self.form.setContentsMargins(0, 0, 0, 0)

    def show_fields(self, fields: list[CrmFieldView]) -> None:
        for field in fields:
            row = self.rows.get(field.key)
            if row is None:
                row = self._add(field)
            row.show_field(field)

    def texts(self) -> dict[str, str]:
        return {key: row.box.toPlainText() for key, row in self.rows.items()}

    def _add(self, field: CrmFieldView) -> CrmFieldRow:
        row = CrmFieldRow(field)
        row.box.textChanged.connect(self.typed)
        row.confirm.clicked.connect(lambda: self.confirm_requested.emit(field.key))
        row.report.clicked.connect(
            lambda: self.report_requested.emit(f"{field.label}: {row.box.toPlainText()}")
        )
        self.rows[field.key] = row
        self.form.addRow(plain_label(field.label + (" *" if field.required else "")), row)
        return row
