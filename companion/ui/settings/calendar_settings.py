"""Settings' calendar box: the ICS address or file that prefills the start dialog.

Checked off the GUI thread when the box opens and whenever the rep changes it; the
answer is one line under the field (a broken address or file included).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QWidget,
)

from companion.app.calls.calendar import CalendarLook
from companion.core.errors import UserFacingError, shown
from companion.edges.calendar import AROUND
from companion.edges.settings import SettingsFile
from companion.ui.background import run_in_background
from companion.ui.calls.start_call_dialog import meeting_words
from companion.ui.look.text import plain_label

NOT_SET = "Not set: the start dialog fills in from your past calls only."
CHECKING = "Reading the calendar…"
HOURS = int(AROUND.total_seconds() // 3600)  # meetings read either side of now


def calendar_words(look: CalendarLook) -> str:
    """The one line under the field."""
    if look.problem is not None:
        return look.problem
    if not look.checked:
        return NOT_SET
    if look.offers:
        return (
            f"Read ({look.meetings} meeting(s) within {HOURS} h). {meeting_words(look.offers[0])}"
        )
    return f"Read ({look.meetings} meeting(s) within {HOURS} h): none now or in the next 30 min."


class CalendarSettings(QGroupBox):
    def __init__(
        self,
        settings: SettingsFile,
        check: Callable[[], CalendarLook],
        pool: QThreadPool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Calendar (fills in the start of a call; never synced)", parent)
        self._settings, self._check, self._pool = settings, check, pool
        self.source = QLineEdit(settings.load().calendar_source or "")
        self.source.setAccessibleName("Calendar address or file")
        self.source.setPlaceholderText("https://… .ics address, or a .ics file")
        self.browse = QPushButton("Choose file…")
        self.browse.setAccessibleName("Choose a calendar file")
        self.browse.clicked.connect(self._choose)
        self.status = plain_label()
        self.status.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.source, 1)
        row.addWidget(self.browse)
        form = QFormLayout(self)
        form.addRow(plain_label("ICS address or file"), row)
        form.addRow(plain_label("Calendar"), self.status)
        self.source.editingFinished.connect(self._save)
        self._last_saved = self.source.text().strip()
        self.recheck()

    def _choose(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Calendar file", "", "Calendar (*.ics)")
        if path:
            self.source.setText(path)
            self._save()

    def _save(self) -> None:
        text = self.source.text().strip()
        if text == self._last_saved:
            return
        try:
            self._settings.save(self._settings.load().with_changes(calendar_source=text or None))
        except UserFacingError as error:
            self.status.setText(error.shown())
            return
        self._last_saved = text
        self.recheck()

    def recheck(self) -> None:
        """Read the calendar as the start dialog would, and say what came of it."""
        if not self.source.text().strip():
            self.status.setText(NOT_SET)
            return
        self.status.setText(CHECKING)

        def done(look: object) -> None:
            assert isinstance(look, CalendarLook)
            self.status.setText(calendar_words(look))

        run_in_background(
            self._pool, self._check, done, lambda e: self.status.setText(shown(e)), self
        )
