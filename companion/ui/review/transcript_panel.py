"""The transcript in the review window: speaker-labelled lines in sync with playback.

Clicking a line plays from it; while the call plays, the line being spoken is
highlighted (the panel polls the player's position; nothing blocks the GUI thread).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from companion.app.review.transcript_view import TranscriptShown
from companion.core.transcripts.key_phrases import marked_text
from companion.core.transcripts.model import Transcript
from companion.core.webvtt import vtt_time
from companion.ui.look.text import plain_label

FOLLOW_MS = 250
Position = Callable[[], int | None]  # call time being played (ms), None when not playing


class TranscriptPanel(QWidget):
    play_requested = Signal(float)  # call seconds

    def __init__(self, position: Position | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._position = position
        self._transcript: Transcript | None = None
        self._highlighted: int | None = None  # the row shown as being played
        self.status = plain_label()
        self.status.setWordWrap(True)
        self.lines = QListWidget()
        self.lines.setAccessibleName("Transcript lines")
        self.lines.setWordWrap(True)
        self.lines.itemClicked.connect(self._clicked)
        self.lines.itemActivated.connect(self._clicked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.status)
        layout.addWidget(self.lines)
        self.follow = QTimer(self)
        self.follow.setInterval(FOLLOW_MS)
        self.follow.timeout.connect(self._follow_playback)
        if position is not None:
            self.follow.start()

    def show_transcript(self, shown: TranscriptShown) -> None:
        self._transcript = shown.transcript
        self._highlighted = None
        self.status.setText(shown.status)
        self.lines.clear()
        transcript = shown.transcript
        for line in transcript.lines if transcript else ():
            who = f"{line.label}  " if transcript and transcript.two_sided else ""
            said = marked_text(line.words, shown.unsure_below)
            item = QListWidgetItem(f"{vtt_time(line.start_ms)[:8]}  {who}{said}")
            item.setData(Qt.ItemDataRole.UserRole, line.start_ms)
            self.lines.addItem(item)

    def show_progress(self, text: str) -> None:
        if self._transcript is None:
            self.status.setText(text)

    def highlight_at(self, call_ms: int) -> int | None:
        """Mark the line spoken at `call_ms`; its row, or None if before the first line."""
        if self._transcript is None:
            return None
        row = self._transcript.line_at(call_ms)
        if row == self._highlighted:
            return row  # polled 4 times a second: restyle and scroll only on a new line
        for index, bold in ((self._highlighted, False), (row, True)):
            item = self.lines.item(index) if index is not None else None
            if item is not None:
                font = QFont(item.font())
                font.setBold(bold)
                item.setFont(font)
                item.setSelected(bold)
        self._highlighted = row
        if row is not None:
            self.lines.scrollToItem(self.lines.item(row))
        return row

    def _follow_playback(self) -> None:
        at = self._position() if self._position else None
        if at is not None and self.isVisible():
            self.highlight_at(at)

    def _clicked(self, item: QListWidgetItem) -> None:
        self.play_requested.emit(int(item.data(Qt.ItemDataRole.UserRole)) / 1000)
