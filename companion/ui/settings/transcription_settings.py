"""Settings' transcription box: which engine, which model folder, and what is in use."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QWidget,
)

from companion.core.errors import UserFacingError
from companion.edges.settings import SettingsFile
from companion.ui.look.text import plain_label

CHOICES = (
    ("As the organisation's policy says", None),
    ("faster-whisper (Whisper base built in, or a model folder)", "faster-whisper"),
    ("PocketSphinx (small, US English only, far less accurate)", "pocketsphinx"),
)


class TranscriptionSettings(QGroupBox):
    def __init__(
        self,
        settings: SettingsFile,
        in_use: Callable[[], str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Transcripts (made on this computer, after the call)", parent)
        self._settings, self._in_use = settings, in_use
        chosen = settings.load()
        self.engine = QComboBox()
        self.engine.setAccessibleName("Transcription engine")
        for label, key in CHOICES:
            self.engine.addItem(label, key)
        self.engine.setCurrentIndex(max(0, self.engine.findData(chosen.transcription_engine)))
        self.model_dir = QLineEdit(chosen.transcription_model_dir or "")
        self.model_dir.setAccessibleName("faster-whisper model folder")
        self.model_dir.setPlaceholderText("a CTranslate2 Whisper model folder (never downloaded)")
        self.browse = QPushButton("Choose…")
        self.browse.setAccessibleName("Choose the model folder")
        self.browse.clicked.connect(self._choose)
        self.status = plain_label()
        self.status.setWordWrap(True)
        folder = QHBoxLayout()
        folder.addWidget(self.model_dir, 1)
        folder.addWidget(self.browse)
        form = QFormLayout(self)
        form.addRow(plain_label("Engine"), self.engine)
        form.addRow(plain_label("Model folder"), folder)
        form.addRow(plain_label("In use"), self.status)
        self.engine.currentIndexChanged.connect(self._save)
        self.model_dir.editingFinished.connect(self._save)
        self._show_in_use()

    def _choose(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "faster-whisper model folder")
        if folder:
            self.model_dir.setText(folder)
            self._save()

    def _save(self) -> None:
        changed = self._settings.load().with_changes(
            transcription_engine=self.engine.currentData(),
            transcription_model_dir=self.model_dir.text().strip() or None,
        )
        try:
            self._settings.save(changed)
        except UserFacingError as error:
            self.status.setText(error.shown())
            return
        self._show_in_use()

    def _show_in_use(self) -> None:
        self.status.setText(self._in_use())
