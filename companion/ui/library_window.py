"""The rep's calls: search notes and moments, filter, and open one for review."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from companion.app.call_exports import CallExports
from companion.app.library import AccessView, LibraryQuery, LibraryRow
from companion.app.notes_export import library_csv
from companion.core.policy.model import Policy
from companion.ui.call_export import CallExportBar

COLUMNS = (
    "Date", "Account", "Call type", "Outcome", "Why", "Tags", "Sync", "Deleted on", "Opened by",
)  # fmt: skip
SYNC_COLUMN = COLUMNS.index("Sync")
SYNC_STAGE_WORDS = {"uploading": "uploading…", "synced": "synced", "retry later": "retry later"}
DATE_FORMAT = "yyyy-MM-dd"
OUTCOMES = ("recorded", "consented", "withdrawn", "declined", "blocked", "pending")


def row_values(
    row: LibraryRow, syncs: bool = True, access: AccessView | None = None
) -> tuple[str, ...]:
    """The row as shown; `syncs` False when the policy names no recipients."""
    return (
        row.started_at.strftime("%Y-%m-%d %H:%M"),
        row.account,
        row.call_type_label,
        row.outcome,
        row.outcome_reason,
        ", ".join(row.tags),
        _sync_words(row, syncs),
        (access.hold(row.call_id, row.account) if access else "")
        or (row.delete_on.isoformat() if row.delete_on else ""),
        access.latest(row.call_id) if access else "",
    )


def _combo(first: str, items: list[tuple[str, str]]) -> QComboBox:
    box = QComboBox()
    box.addItem(first, None)
    for label, key in items:
        box.addItem(label, key)
    return box


def _sync_words(row: LibraryRow, syncs: bool) -> str:
    if row.sync_state == "local" and not syncs:
        return "not set up"  # nothing says "ready" that cannot happen
    return row.sync_state + (" (ready)" if row.ready_to_sync and row.sync_state == "local" else "")


class LibraryWindow(QWidget):
    def __init__(
        self,
        search: Callable[[LibraryQuery], list[LibraryRow]],
        policy: Policy | None,
        open_review: Callable[[str], object],
        exports: CallExports | None = None,
        parent: QWidget | None = None,
        access: Callable[[], AccessView] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Library")
        self.resize(1000, 560)
        self._search, self._policy, self._open_review = search, policy, open_review
        self._access = access
        self.access_warning = QLabel()  # a receipt missing or changed in the store
        self.access_warning.setWordWrap(True)
        self.access_warning.setStyleSheet("color: #b03a2e; font-weight: bold;")
        self.access_warning.hide()
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search notes, moments, CRM fields, accounts")
        tags = [(t.label, k) for k, t in policy.tags.items()] if policy else []
        kinds = [(c.label, k) for k, c in policy.call_types.items()] if policy else []
        self.tag = _combo("Any tag", tags)
        self.call_type = _combo("Any call type", kinds)
        self.outcome = _combo("Any outcome", [(o, o) for o in OUTCOMES])
        self.use_dates = QCheckBox("From")
        self.date_from, self.date_to = (
            QDateEdit(QDate.currentDate().addMonths(-1)),
            QDateEdit(QDate.currentDate()),
        )
        for edit in (self.date_from, self.date_to):  # as the table writes dates
            edit.setDisplayFormat(DATE_FORMAT)
            edit.setCalendarPopup(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.cellActivated.connect(self._activated)
        self.call_exports = CallExportBar(exports, None) if exports else None
        self.table.currentCellChanged.connect(lambda row, *_: self._chosen(row))
        self.export_button = QPushButton("Export CSV…")
        self.export_button.clicked.connect(self._choose_csv)
        self._debounce = QTimer(self)  # search as the rep types, not on every key
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(150)
        self._debounce.timeout.connect(self.refresh)
        self._layout()
        self.rows: list[LibraryRow] = []
        self.refresh()

    def _layout(self) -> None:
        filters = QHBoxLayout()
        for widget in (
            self.search,
            self.tag,
            self.call_type,
            self.outcome,
            self.use_dates,
            self.date_from,
            self.date_to,
        ):
            filters.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.addWidget(self.access_warning)
        layout.addLayout(filters)
        layout.addWidget(self.table)
        actions = QHBoxLayout()
        if self.call_exports is not None:  # the selected call's notes and audio
            actions.addWidget(self.call_exports, 1)
        actions.addStretch()
        actions.addWidget(self.export_button)
        layout.addLayout(actions)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        for box in (self.tag, self.call_type, self.outcome):
            box.currentIndexChanged.connect(lambda _i: self.refresh())
        self.use_dates.toggled.connect(lambda _on: self.refresh())
        self.date_from.dateChanged.connect(lambda _d: self.refresh())
        self.date_to.dateChanged.connect(lambda _d: self.refresh())

    def query(self) -> LibraryQuery:
        def chosen(box: QComboBox) -> tuple[str, ...]:
            return (box.currentData(),) if box.currentData() else ()

        dates = self.use_dates.isChecked()
        return LibraryQuery(
            text=self.search.text(),
            tags=chosen(self.tag),
            call_types=chosen(self.call_type),
            outcomes=chosen(self.outcome),
            date_from=_day(self.date_from.date().toPython()) if dates else None,
            date_to=_day(self.date_to.date().toPython()) if dates else None,
        )

    def refresh(self) -> None:
        self.rows = self._search(self.query())
        self.table.setRowCount(len(self.rows))
        syncs = self._policy is None or bool(self._policy.sync.recipients)
        access = self._access() if self._access else None
        self._show_access_warnings(access)
        for index, row in enumerate(self.rows):
            for column, value in enumerate(row_values(row, syncs, access)):
                item = QTableWidgetItem(value)
                item.setData(Qt.ItemDataRole.UserRole, row.call_id)
                self.table.setItem(index, column, item)
        self.table.resizeColumnsToContents()

    def _show_access_warnings(self, access: AccessView | None) -> None:
        if access is None or not access.warnings:
            self.access_warning.hide()
            return
        self.access_warning.setText(
            "Your organisation's record of who opened your calls has a gap or a change: "
            + " ".join(access.warnings)
        )
        self.access_warning.show()

    def show_sync_stage(self, call_id: str, stage: str) -> None:
        """While a sync runs: the row of the call being sent says so, no full reload."""
        for index, row in enumerate(self.rows):
            if row.call_id == call_id:
                item = self.table.item(index, SYNC_COLUMN)
                if item is not None:
                    item.setText(SYNC_STAGE_WORDS.get(stage, stage))
                return

    def _chosen(self, row: int) -> None:
        if self.call_exports is not None:
            chosen = self.rows[row].call_id if 0 <= row < len(self.rows) else None
            self.call_exports.set_call(chosen)

    def export_csv(self, path: Path) -> int:
        """The calls shown now (search and filters applied), for the rep's own use."""
        with path.open("w", encoding="utf-8", newline="") as out:
            return library_csv(self.rows, out)

    def _choose_csv(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Export library", "library.csv", "CSV (*.csv)")
        if name:
            self.export_csv(Path(name))

    def _activated(self, row: int, _column: int) -> None:
        self._open_review(self.rows[row].call_id)


def _day(value: object) -> date:
    """QDate.toPython() is typed as object; it is a date."""
    assert isinstance(value, date)
    return value
