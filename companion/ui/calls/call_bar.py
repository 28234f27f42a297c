"""The call bar: small, always on top, and impossible to misread while a call runs.

One glance answers "are we recording?": a red REC, an amber PAUSED, a blue ASKING,
a grey NOT RECORDING (notes only) or a violet BLOCKED, beside the account and the call's
time, with Pause, Mark and End. The colours are the theme's (by the look's name), so
they follow the light or dark scheme. Where the rep puts it is remembered.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress

from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QFontMetrics, QMoveEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from companion.app.calls.service import CallService
from companion.core.calls.session import CallState
from companion.core.errors import UserFacingError
from companion.edges.settings import SettingsFile
from companion.ui.look.looks import TrayLook, look_for
from companion.ui.look.text import plain_label, tooltip_text
from companion.ui.look.theme import SPACE_M, SPACE_S, SPACE_XS, restyle

REFRESH_MS = 500
REMEMBER_MS = 400  # after the bar stops moving
ACCOUNT_WIDTH = 220  # px; a longer account is elided, in full in the tooltip
# Words per state; the colours are the theme's for the look.
BADGES = {
    TrayLook.RECORDING: "● REC",
    TrayLook.PAUSED: "❚❚ PAUSED, not recording",
    TrayLook.ASKING: "ASKING, not recording yet",
    TrayLook.NOTES: "NOT RECORDING (notes only)",
    TrayLook.BLOCKED: "BLOCKED, not recording",
    TrayLook.IDLE: "No call",
}


def _state_badge() -> QLabel:
    """As wide as the longest state's words, so the bar never jumps or cuts a word."""
    badge = plain_label()
    badge.setProperty("look", TrayLook.IDLE.icon_name)
    badge.ensurePolished()  # the theme's badge font, to measure the words with
    metrics = QFontMetrics(badge.font())
    widest = max(metrics.horizontalAdvance(words) for words in BADGES.values())
    badge.setMinimumWidth(widest + 2 * SPACE_M + SPACE_S)
    badge.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return badge


def _account_label(account: str) -> QLabel:
    """Elided to ACCOUNT_WIDTH; in full in the tooltip and for a screen reader."""
    label = plain_label(account)
    label.setAccessibleName(account)
    label.setMaximumWidth(ACCOUNT_WIDTH)
    metrics = label.fontMetrics()
    label.setText(metrics.elidedText(account, Qt.TextElideMode.ElideRight, ACCOUNT_WIDTH - SPACE_S))
    label.setToolTip(tooltip_text(account))
    return label


def clock(seconds: int) -> str:
    minutes, seconds = divmod(max(0, seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes:02d}:{seconds:02d}"


class CallBar(QWidget):
    def __init__(
        self,
        calls: CallService,
        settings: SettingsFile,
        mark: Callable[[], object],
        pause_or_resume: Callable[[], object],
        end: Callable[[], object],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Tool | Qt.WindowType.WindowStaysOnTopHint)
        self._calls, self._settings = calls, settings
        current = calls.current
        account = current.details.account if current else ""
        self.setWindowTitle(f"Rep Companion: {account}")
        self.badge = _state_badge()
        self.account = _account_label(account)
        self.elapsed = plain_label("00:00")
        self.pause_button = QPushButton("Pause")
        self.pause_button.clicked.connect(pause_or_resume)
        self.mark_button = QPushButton("Mark")
        self.mark_button.setAccessibleName("Mark a moment")
        self.mark_button.clicked.connect(mark)
        self.end_button = QPushButton("End")
        self.end_button.setAccessibleName("End the call")
        self.end_button.clicked.connect(end)
        row = QHBoxLayout(self)
        row.setContentsMargins(SPACE_S, SPACE_XS, SPACE_S, SPACE_XS)
        row.setSpacing(SPACE_S)
        for widget in (
            self.badge,
            self.account,
            self.elapsed,
            self.pause_button,
            self.mark_button,
            self.end_button,
        ):
            row.addWidget(widget)
        self._look: TrayLook | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        self.remember = QTimer(self)
        self.remember.setSingleShot(True)
        self.remember.setInterval(REMEMBER_MS)
        self.remember.timeout.connect(self._remember)
        self._place()
        self.refresh()

    def refresh(self) -> None:
        session = self._calls.current
        look = look_for(session)
        if look is not self._look:  # restyle on a change of state, not every tick
            self._look = look
            self.badge.setText(BADGES[look])
            self.badge.setProperty("look", look.icon_name)
            restyle(self.badge)
        if session is None or session.started_at is None:
            return
        if session.state is not CallState.ENDED:
            elapsed = session.clock() - session.started_at
            self.elapsed.setText(clock(int(elapsed.total_seconds())))
        paused = session.state is CallState.PAUSED
        self.pause_button.setText("Resume" if paused else "Pause")
        self.pause_button.setEnabled(
            session.state in (CallState.RECORDING, CallState.CONSENTED, CallState.PAUSED)
        )

    def _place(self) -> None:
        chosen = self._settings.load()
        if chosen.call_bar_x is not None and chosen.call_bar_y is not None:
            self.move(QPoint(chosen.call_bar_x, chosen.call_bar_y))
            return
        screen = self.screen().availableGeometry()  # first time: top centre, out of the way
        self.adjustSize()
        self.move(screen.center().x() - self.width() // 2, screen.top() + 8)

    def moveEvent(self, event: QMoveEvent) -> None:
        super().moveEvent(event)
        if self.isVisible():  # the rep moved it: remember where, once it rests
            self.remember.start()

    def _remember(self) -> None:
        where, chosen = self.pos(), self._settings.load()
        if (chosen.call_bar_x, chosen.call_bar_y) == (where.x(), where.y()):
            return
        with suppress(UserFacingError):  # a full disk: the bar works, its place is not kept
            self._settings.save(chosen.with_changes(call_bar_x=where.x(), call_bar_y=where.y()))
