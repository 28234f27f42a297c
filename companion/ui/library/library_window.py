"""The rep's calls: search notes and moments, filter, and open one for review.

Keyboard first: Ctrl+F goes to the search, Tab walks the filters in reading order to
the table, arrows move in it, Enter opens the review. With nothing to show, the window
says what to do instead of showing an empty grid.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, QLocale, QTimer
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from companion.app.library.exports import CallExports
from companion.app.library.notes_export import library_csv
from companion.app.library.search import AccessView, LibraryQuery, LibraryRow
from companion.core.policy.model import Policy
from companion.ui.library.library_table import OUTCOMES, LibraryTable
from companion.ui.look.export_place import documents_path
from companion.ui.look.fit import cap_to_screen
from companion.ui.look.text import plain_label
from companion.ui.look.theme import SPACE_L, SPACE_M, SPACE_S
from companion.ui.review.call_export import CallExportBar

DEFAULT_SIZE = (1100, 600)
NO_CALLS = (
    "No calls yet. Start one from the tray icon (Start call…): it is listed here when it ends."
)
NO_MATCH = "No calls match. Clear the search or set the filters back to “Any” to see every call."
TABLE, EMPTY = 0, 1


def _combo(first: str, items: list[tuple[str, str]], name: str) -> QComboBox:
    box = QComboBox()
    box.setAccessibleName(name)
    box.addItem(first, None)
    for label, key in items:
        box.addItem(label, key)
    return box


class LibraryWindow(QWidget):
    def __init__(
        self,
        search: Callable[[LibraryQuery], list[LibraryRow]],
        policy: Policy | None,
        open_review: Callable[[str], object],
        exports: CallExports | None = None,
        parent: QWidget | None = None,
        access: Callable[[], AccessView] | None = None,
        syncs: bool | None = None,  # None: as the policy's recipients say
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Library")
        self.resize(*DEFAULT_SIZE)
        self._search, self._policy, self._open_review = search, policy, open_review
        self._access = access
        self.access_warning = plain_label()  # a receipt missing or changed in the store
        self.access_warning.setProperty("role", "warning")
        self.access_warning.setWordWrap(True)
        self.access_warning.hide()
        self.access_waiting = plain_label()  # receipts before the rep's key: not a warning
        self.access_waiting.setWordWrap(True)
        self.access_waiting.hide()
        self._make_filters(policy)
        self.table = LibraryTable(policy, syncs=syncs)
        self.table.cellActivated.connect(self._activated)
        self.table.currentCellChanged.connect(lambda row, *_: self._chosen(row))
        self.empty = plain_label(NO_CALLS)
        self.empty.setProperty("role", "empty")
        self.empty.setWordWrap(True)
        self.clear_button = QPushButton("Show every call")
        self.clear_button.clicked.connect(self.clear_filters)
        self.count = plain_label()
        self.count.setProperty("role", "muted")
        self.call_exports = CallExportBar(exports, None) if exports else None
        self.open_button = QPushButton("Open review")
        self.open_button.clicked.connect(lambda: self._activated(self.table.currentRow(), 0))
        self.export_button = QPushButton("Export CSV…")
        self.export_button.clicked.connect(self._choose_csv)
        self._debounce = QTimer(self)  # search as the rep types, not on every key
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(150)
        self._debounce.timeout.connect(self.refresh)
        self.pages = QStackedWidget()
        self._layout()
        self.find_keys = QShortcut(QKeySequence.StandardKey.Find, self)  # Ctrl+F
        self.find_keys.activated.connect(lambda: self.search.setFocus())
        self.rows: list[LibraryRow] = []
        self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        cap_to_screen(self)  # never wider or taller than the screen it opens on

    def _make_filters(self, policy: Policy | None) -> None:
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search notes, moments, CRM fields, accounts")
        self.search.setAccessibleName("Search calls")
        self.search.setClearButtonEnabled(True)
        tags = [(t.label, k) for k, t in policy.tags.items()] if policy else []
        kinds = [(c.label, k) for k, c in policy.call_types.items()] if policy else []
        self.tag = _combo("Any tag", tags, "Tag")
        self.call_type = _combo("Any call type", kinds, "Call type")
        self.outcome = _combo("Any outcome", [(o, o) for o in OUTCOMES], "Outcome")
        self.use_dates = QCheckBox("From")
        self.use_dates.setAccessibleName("Only calls between two dates")
        self.date_from, self.date_to = (
            QDateEdit(QDate.currentDate().addMonths(-1)),
            QDateEdit(QDate.currentDate()),
        )
        short = QLocale().dateFormat(QLocale.FormatType.ShortFormat)
        for edit, name in ((self.date_from, "From date"), (self.date_to, "To date")):
            edit.setDisplayFormat(short)  # as the table writes dates: the rep's locale
            edit.setCalendarPopup(True)
            edit.setAccessibleName(name)

    def _layout(self) -> None:
        filters = QHBoxLayout()
        filters.setSpacing(SPACE_S)
        filters.addWidget(self.search, 3)
        for box in (self.tag, self.call_type, self.outcome):
            filters.addWidget(box, 1)
        dates: tuple[QWidget, ...] = (
            self.use_dates,
            self.date_from,
            plain_label("to"),
            self.date_to,
        )
        for widget in dates:
            filters.addWidget(widget)
        empty_page = QWidget()
        column = QVBoxLayout(empty_page)
        column.addStretch()
        column.addWidget(self.empty)
        column.addWidget(self.clear_button)
        column.addStretch()
        self.pages.addWidget(self.table)
        self.pages.addWidget(empty_page)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(SPACE_L, SPACE_L, SPACE_L, SPACE_L)
        layout.setSpacing(SPACE_M)
        layout.addWidget(self.access_warning)
        layout.addWidget(self.access_waiting)
        layout.addLayout(filters)
        layout.addWidget(self.pages, 1)
        actions = QHBoxLayout()
        actions.addWidget(self.count)
        if self.call_exports is not None:  # the selected call's notes and audio
            actions.addWidget(self.call_exports, 1)
        actions.addStretch()
        actions.addWidget(self.open_button)
        actions.addWidget(self.export_button)
        layout.addLayout(actions)
        self._reading_order()
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        for box in (self.tag, self.call_type, self.outcome):
            box.currentIndexChanged.connect(lambda _i: self.refresh())
        self.use_dates.toggled.connect(lambda _on: self.refresh())
        self.date_from.dateChanged.connect(lambda _d: self.refresh())
        self.date_to.dateChanged.connect(lambda _d: self.refresh())

    def _reading_order(self) -> None:
        """Tab goes left to right, top to bottom, as the window reads."""
        chain: list[QWidget] = [
            self.search,
            self.tag,
            self.call_type,
            self.outcome,
            self.use_dates,
            self.date_from,
            self.date_to,
            self.table,
            self.clear_button,
        ]
        if self.call_exports is not None:
            bar = self.call_exports
            chain += [bar.copy_button, bar.notes_button, bar.audio_button, bar.transcript_button]
        chain += [self.open_button, self.export_button]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

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
        query = self.query()
        self.rows = self._search(query)
        access = self._access() if self._access else None
        self._show_access_warnings(access)
        self.table.show_rows(self.rows, access)
        filtered = query != LibraryQuery()
        self.empty.setText(NO_MATCH if filtered else NO_CALLS)
        self.clear_button.setVisible(filtered)
        self.pages.setCurrentIndex(EMPTY if not self.rows else TABLE)
        shown = len(self.rows)
        more = " (the newest; search or filter for older ones)" if shown >= query.limit else ""
        self.count.setText(f"{shown} call{'s' if shown != 1 else ''}{more}")
        self.open_button.setEnabled(0 <= self.table.currentRow() < shown)

    def _show_access_warnings(self, access: AccessView | None) -> None:
        self.access_waiting.setText(access.waiting if access else "")
        self.access_waiting.setVisible(bool(access and access.waiting))
        if access is None or not access.warnings:
            self.access_warning.hide()
            return
        self.access_warning.setText(
            "Your organisation's record of who opened your calls has a gap or a change: "
            + " ".join(access.warnings)
        )
        self.access_warning.show()

    def clear_filters(self) -> None:
        for box in (self.tag, self.call_type, self.outcome):
            box.blockSignals(True)
            box.setCurrentIndex(0)
            box.blockSignals(False)
        self.use_dates.blockSignals(True)
        self.use_dates.setChecked(False)
        self.use_dates.blockSignals(False)
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self.refresh()

    def show_sync_stage(self, call_id: str, stage: str) -> None:
        """While a sync runs: the row of the call being sent says so, no full reload."""
        for index, row in enumerate(self.rows):
            if row.call_id == call_id:
                self.table.show_sync_stage(index, stage)
                return

    def _chosen(self, row: int) -> None:
        valid = 0 <= row < len(self.rows)
        self.open_button.setEnabled(valid)
        if self.call_exports is not None:
            self.call_exports.set_call(self.rows[row].call_id if valid else None)

    def export_csv(self, path: Path) -> int:
        """The calls shown now (search and filters applied), for the rep's own use."""
        with path.open("w", encoding="utf-8", newline="") as out:
            return library_csv(self.rows, out)

    def _choose_csv(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Export library", documents_path("library.csv"), "CSV (*.csv)"
        )
        if name:
            self.export_csv(Path(name))

    def _activated(self, row: int, _column: int) -> None:
        if 0 <= row < len(self.rows):
            self._open_review(self.rows[row].call_id)


def _day(value: object) -> date:
    """QDate.toPython() is typed as object; it is a date."""
    assert isinstance(value, date)
    return value
