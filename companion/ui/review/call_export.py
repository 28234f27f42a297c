"""The call's short id (with Copy) and "Export notes / audio / transcript…", as in the CLI."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QPushButton, QWidget

from companion.app.library.exports import NOTE_FORMATS, TRANSCRIPT_FORMATS, CallExports, short_id
from companion.core.errors import UserFacingError
from companion.ui.look.export_place import documents_path
from companion.ui.look.text import plain_label


class CallExportBar(QWidget):
    def __init__(
        self, exports: CallExports, call_id: str | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._exports, self._call_id = exports, call_id or ""
        self.id_label = plain_label()
        self.id_label.setToolTip("The id `companion export` accepts")
        self.copy_button = QPushButton("Copy id")
        self.copy_button.clicked.connect(self.copy_id)
        self.notes_button = QPushButton("Export notes…")
        self.notes_button.clicked.connect(self._choose_notes)
        self.audio_button = QPushButton("Export audio…")
        self.audio_button.clicked.connect(self._choose_audio)
        self.transcript_button = QPushButton("Export transcript…")
        self.transcript_button.clicked.connect(self._choose_transcript)
        self.result = plain_label()
        self.result.setWordWrap(True)  # a long message wraps: it never widens the window
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        for widget in (
            self.id_label,
            self.copy_button,
            self.notes_button,
            self.audio_button,
            self.transcript_button,
        ):
            row.addWidget(widget)
        row.addWidget(self.result, 1)
        self.set_call(call_id)

    def set_call(self, call_id: str | None) -> None:
        """The call the buttons act on (the library's selection); None: nothing chosen."""
        self._call_id = call_id or ""
        self.id_label.setText(f"Call {short_id(call_id)}" if call_id else "No call chosen")
        for button in (self.copy_button, self.notes_button):
            button.setEnabled(call_id is not None)
        self.audio_button.setEnabled(call_id is not None and self._exports.has_audio(call_id))
        self.transcript_button.setEnabled(
            call_id is not None and self._exports.has_transcript(call_id)
        )
        self.result.setText("")

    def copy_id(self) -> None:
        QGuiApplication.clipboard().setText(short_id(self._call_id))
        self.result.setText("Id copied.")

    def export_notes_to(self, path: Path, fmt: str) -> bool:
        try:
            self._exports.notes(self._call_id, fmt, path)
        except (UserFacingError, OSError) as error:
            self.result.setText(f"Not exported: {error}")
            return False
        self.result.setText(f"Notes exported to {path.name}.")
        return True

    def export_audio_to(self, path: Path) -> bool:
        try:
            seconds = self._exports.audio(self._call_id, path)
        except (UserFacingError, OSError) as error:
            self.result.setText(f"Not exported: {error}")
            return False
        self.result.setText(f"{seconds:.0f} s of audio exported to {path.name}.")
        return True

    def export_transcript_to(self, path: Path, fmt: str) -> bool:
        try:
            lines = self._exports.transcript(self._call_id, fmt, path)
        except (UserFacingError, OSError) as error:
            self.result.setText(f"Not exported: {error}")
            return False
        self.result.setText(f"Transcript ({lines} lines) exported to {path.name}.")
        return True

    def _choose_transcript(self) -> None:
        filters = ";;".join(TRANSCRIPT_FORMATS.values())
        name, chosen = QFileDialog.getSaveFileName(
            self,
            "Export transcript",
            documents_path(f"call-{short_id(self._call_id)}.vtt"),
            filters,
        )
        if name:
            fmt = next((k for k, v in TRANSCRIPT_FORMATS.items() if v == chosen), "vtt")
            self.export_transcript_to(Path(name), fmt)

    def _choose_notes(self) -> None:
        filters = ";;".join(NOTE_FORMATS.values())
        name, chosen = QFileDialog.getSaveFileName(
            self, "Export notes", documents_path(f"call-{short_id(self._call_id)}.md"), filters
        )
        if name:
            fmt = next((k for k, v in NOTE_FORMATS.items() if v == chosen), "md")
            self.export_notes_to(Path(name), fmt)

    def _choose_audio(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self,
            "Export audio",
            documents_path(f"call-{short_id(self._call_id)}.opus"),
            "Ogg Opus (*.opus)",
        )
        if name:
            self.export_audio_to(Path(name))
