"""The review desk's window: the calls a reviewer's role covers, opened with a purpose."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from companion.app.desk.service import DeskCall, Opening, ReviewDesk
from companion.core.errors import UserFacingError, shown
from companion.core.policy.access import Purpose
from companion.ui.background import run_in_background

COLUMNS = ("Call", "Rep", "Call type", "Started", "Audio")


class DeskWindow(QWidget):
    def __init__(self, desk: ReviewDesk, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Review desk: {desk.keys.reviewer}")
        self.resize(900, 600)
        self.desk = desk
        self.pool = QThreadPool(self)
        self.calls: list[DeskCall] = []
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.purpose = QComboBox()
        for purpose in Purpose:
            self.purpose.addItem(purpose.label, purpose.value)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("Why you open this call (the rep sees it)")
        self.approval = QLineEdit()
        self.approval.setPlaceholderText("Approval file (performance purposes)")
        self.buttons = {
            name: QPushButton(text)
            for name, text in (
                ("open", "Open notes"),
                ("play", "Play audio"),
                ("read", "Read transcript"),
                ("approval", "Approval…"),
            )
        }
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b03a2e;")
        self.shown = QPlainTextEdit()
        self.shown.setReadOnly(True)
        self._layout()
        self.refresh()

    def _layout(self) -> None:
        form = QFormLayout()
        form.addRow("Purpose", self.purpose)
        form.addRow("Reason", self.reason)
        approval = QHBoxLayout()
        approval.addWidget(self.approval)
        approval.addWidget(self.buttons["approval"])
        form.addRow("Approval", approval)
        actions = QHBoxLayout()
        for name in ("open", "play", "read"):
            actions.addWidget(self.buttons[name])
        actions.addStretch()
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 2)
        layout.addLayout(form)
        layout.addLayout(actions)
        layout.addWidget(self.problem)
        layout.addWidget(self.shown, 2)
        self.buttons["open"].clicked.connect(self.open_notes)
        self.buttons["play"].clicked.connect(self.play_audio)
        self.buttons["read"].clicked.connect(self.read_transcript)
        self.buttons["approval"].clicked.connect(self._choose_approval)

    def refresh(self) -> None:
        self.calls = self.desk.calls()
        self.table.setRowCount(len(self.calls))
        for row, call in enumerate(self.calls):
            audio = "yes" if call.has_audio else "no"
            values = (call.package_id, call.rep, call.call_type, call.started_at[:16], audio)
            for column, value in enumerate(values):
                self.table.setItem(row, column, QTableWidgetItem(value))
        self.table.resizeColumnsToContents()

    def opening(self) -> Opening:
        path = self.approval.text().strip()
        approval = Path(path).read_bytes() if path else None
        return Opening(Purpose(self.purpose.currentData()), self.reason.text(), approval)

    def _chosen(self) -> str | None:
        row = self.table.currentRow()
        return self.calls[row].package_id if 0 <= row < len(self.calls) else None

    def _act(self, action: Any) -> Any:
        """Run one desk action; a refusal is shown in words, never as a traceback."""
        self.problem.clear()
        call = self._chosen()
        if call is None:
            self.problem.setText("Choose a call first.")
            return None
        try:
            return action(call, self.opening())
        except (UserFacingError, OSError) as error:
            self.problem.setText(shown(error) if isinstance(error, UserFacingError) else str(error))
            return None

    def open_notes(self) -> None:
        manifest = self._act(self.desk.open)
        if manifest is None:
            return
        lines = [f"{manifest['account']} ({manifest['call_type']['label']})",
                 f"consent: {manifest['consent']['status']}", ""]  # fmt: skip
        for moment in manifest["moments"]:
            seconds = moment["offset_ms"] // 1000
            label = f"[{moment['tag_label']}] " if moment["tag_label"] else ""
            lines.append(f"{seconds // 60:02d}:{seconds % 60:02d}  {label}{moment['note']}")
        lines += [f"{key}: {text}" for key, text in manifest["crm_fields"].items()]
        self.shown.setPlainText("\n".join(lines))

    def read_transcript(self) -> None:
        text = self._act(self.desk.read_transcript)
        if text is not None:
            self.shown.setPlainText(text)

    def play_audio(self) -> None:
        audio = self._act(self.desk.play)
        if audio is None:
            return
        from companion.edges.audio.stream_playback import play_ogg

        self.shown.setPlainText("Playing…")
        run_in_background(
            self.pool,
            lambda: play_ogg(audio),
            lambda seconds: self.shown.setPlainText(f"Played {seconds:.1f} s."),
            lambda error: self.problem.setText(shown(error)),
            self,
        )

    def _choose_approval(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Approval", "", "Approval (*.json)")
        if name:
            self.approval.setText(name)
