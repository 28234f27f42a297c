"""The library's table: one row per call, readable whatever the text.

Long text is elided in its column and shown in full in the tooltip; the fixed columns
are as wide as their widest possible words and the long ones share the rest, so the
sync state and the deletion date never leave the screen. Dates are in the rep's locale
and time zone; the sync state and the deletion date are badges.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from PySide6.QtCore import QDate, QDateTime, QLocale, Qt
from PySide6.QtWidgets import QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from companion.app.library.search import AccessView, LibraryRow
from companion.core.policy.model import Policy
from companion.ui.look.badge_delegate import BADGE_ROLE, BadgeDelegate
from companion.ui.look.text import tooltip_text
from companion.ui.look.theme import SPACE_L

COLUMNS = (
    "Date", "Account", "Call type", "Outcome", "Why", "Tags", "Sync", "Audio kept until",
    "Opened by",
)  # fmt: skip
HEADER_TIPS = {
    "Sync": "Whether the call reached the organisation",
    "Audio kept until": "The day this computer deletes the call's audio (notes stay)",
    "Opened by": "Who in the organisation opened the call, from their signed receipts",
}
SYNC_COLUMN = COLUMNS.index("Sync")
DELETED_COLUMN = COLUMNS.index("Audio kept until")
STRETCHED = ("Account", "Why", "Tags", "Opened by")  # share what the fixed columns leave
LONG_TEXT = {COLUMNS.index(name) for name in STRETCHED}
SYNC_STAGE_WORDS = {"uploading": "uploading…", "synced": "synced", "retry later": "retry later"}
SYNC_BADGES = {"synced": "synced", "uploading…": "pending", "retry later": "trouble"}
OUTCOMES = ("recorded", "consented", "withdrawn", "declined", "unclear", "blocked", "pending")
SOON_DAYS = 7  # a deletion this close is shown as a warning


def local_date_time(moment: datetime, locale: QLocale) -> str:
    """`moment` (UTC; naive means UTC, as the store keeps it) in the rep's zone and locale."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    shown = QDateTime.fromSecsSinceEpoch(int(aware.timestamp())).toLocalTime()
    return locale.toString(shown, QLocale.FormatType.ShortFormat)


def local_date(day: date, locale: QLocale) -> str:
    return locale.toString(QDate(day.year, day.month, day.day), QLocale.FormatType.ShortFormat)


def row_values(
    row: LibraryRow,
    syncs: bool = True,
    locale: QLocale | None = None,
    access: AccessView | None = None,
) -> tuple[str, ...]:
    """The row as shown; `syncs` False when the policy names no recipients."""
    where = locale or QLocale()
    held = access.hold(row.call_id, row.account) if access else ""
    return (
        local_date_time(row.started_at, where),
        row.account,
        row.call_type_label,
        row.outcome,
        row.outcome_reason,
        ", ".join(row.tags),
        _sync_words(row, syncs),
        held or (local_date(row.delete_on, where) if row.delete_on else ""),
        access.latest(row.call_id) if access else "",
    )


def _sync_words(row: LibraryRow, syncs: bool) -> str:
    if row.sync_state == "local" and not syncs:
        return "not set up"  # nothing says "ready" that cannot happen
    return row.sync_state + (" (ready)" if row.ready_to_sync and row.sync_state == "local" else "")


def _sync_badge(words: str) -> str:
    return "pending" if words == "local (ready)" else SYNC_BADGES.get(words, "neutral")


def _deletion_badge(day: date | None, today: date) -> str | None:
    if day is None:
        return None
    return "trouble" if day - today <= timedelta(days=SOON_DAYS) else "neutral"


class LibraryTable(QTableWidget):
    """The calls, newest first; `rows` are the calls shown, in their order."""

    def __init__(
        self, policy: Policy | None, parent: QWidget | None = None, syncs: bool | None = None
    ) -> None:
        """`syncs` False: nothing can be delivered (no recipients or no target)."""
        super().__init__(0, len(COLUMNS), parent)
        self._policy = policy
        self._syncs = syncs
        self.rep_locale = QLocale()  # the rep's: dates as they write them
        self.setAccessibleName("Calls")
        for column, title in enumerate(COLUMNS):
            heading = QTableWidgetItem(title)
            heading.setToolTip(HEADER_TIPS.get(title, ""))
            self.setHorizontalHeaderItem(column, heading)
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.setTabKeyNavigation(False)  # Tab leaves the table; arrows move in it
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setAlternatingRowColors(True)
        self.verticalHeader().setVisible(False)
        badges = BadgeDelegate(self)
        for column in (SYNC_COLUMN, DELETED_COLUMN):
            self.setItemDelegateForColumn(column, badges)
        self._fit_columns()

    def _fit_columns(self) -> None:
        """Fixed columns as wide as their widest words; the long ones share the rest."""
        header = self.horizontalHeader()
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(48)
        metrics = self.fontMetrics()
        sample = datetime(2026, 12, 31, 23, 59)
        kinds = [k.label for k in self._policy.call_types.values()] if self._policy else []
        widest = {
            "Date": [local_date_time(sample, self.rep_locale)],
            "Call type": kinds[:20] or ["Call type"],
            "Outcome": list(OUTCOMES),
            "Sync": ["local (ready)", "retry later", "not set up", "uploading…"],
            "Audio kept until": [local_date(sample.date(), self.rep_locale)],
        }
        for column, title in enumerate(COLUMNS):
            if title in STRETCHED:
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
                continue
            words = [*widest[title], title]
            width = max(metrics.horizontalAdvance(w) for w in words) + 2 * SPACE_L
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            self.setColumnWidth(column, min(width, 220))

    def show_rows(self, rows: list[LibraryRow], access: AccessView | None = None) -> None:
        syncs = self._syncs
        if syncs is None:
            syncs = self._policy is None or bool(self._policy.sync.recipients)
        today = date.today()
        self.setUpdatesEnabled(False)  # one repaint for the whole list
        self.setRowCount(len(rows))
        for index, row in enumerate(rows):
            for column, value in enumerate(row_values(row, syncs, self.rep_locale, access)):
                item = QTableWidgetItem(value)
                item.setData(Qt.ItemDataRole.UserRole, row.call_id)
                if column in LONG_TEXT and value:
                    item.setToolTip(tooltip_text(value))  # elided in the cell: in full here
                elif column == SYNC_COLUMN:
                    item.setData(BADGE_ROLE, _sync_badge(value))
                elif column == DELETED_COLUMN and value.startswith("legal hold"):
                    item.setData(BADGE_ROLE, "neutral")
                    item.setToolTip("The organisation holds this call: its audio is kept")
                elif column == DELETED_COLUMN and value:
                    item.setData(BADGE_ROLE, _deletion_badge(row.delete_on, today))
                    item.setToolTip(f"This computer deletes the audio on {value}")
                self.setItem(index, column, item)
        self.setUpdatesEnabled(True)

    def show_sync_stage(self, index: int, stage: str) -> None:
        item = self.item(index, SYNC_COLUMN)
        if item is not None:
            words = SYNC_STAGE_WORDS.get(stage, stage)
            item.setText(words)
            item.setData(BADGE_ROLE, _sync_badge(words))
