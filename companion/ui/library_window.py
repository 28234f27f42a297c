"""The rep's calls: when, with whom, and whether (and why not) they were recorded."""

from __future__ import annotations

from PySide6.QtWidgets import QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from companion.store.models import CallRecord

COLUMNS = ("Date", "Account", "Call type", "Outcome", "Why")


class LibraryWindow(QWidget):
    def __init__(self, store: sessionmaker[Session], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Library")
        self.resize(820, 480)
        self._store = store
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        self.refresh()

    def refresh(self) -> None:
        with self._store() as db:
            calls = db.scalars(select(CallRecord).order_by(CallRecord.started_at.desc())).all()
        self.table.setRowCount(len(calls))
        for row, call in enumerate(calls):
            values = (
                call.started_at.strftime("%Y-%m-%d %H:%M"),
                call.account,
                call.call_type,
                call.outcome,
                call.outcome_reason,
            )
            for column, value in enumerate(values):
                self.table.setItem(row, column, QTableWidgetItem(value))
        self.table.resizeColumnsToContents()
