"""Settings: which microphone and call-audio source to record, and where data lives."""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from companion.core.errors import UserFacingError
from companion.edges.audio.sources import CaptureSource, source_options
from companion.edges.autostart import SessionAutostart
from companion.edges.managed import MANAGED_LABEL, ManagedSettings
from companion.edges.paths import AppPaths
from companion.edges.policy.trust import trust_anchor
from companion.edges.settings import SettingsFile
from companion.ui.look.a11y import name_fields
from companion.ui.look.text import plain_label

AUTOMATIC = "Automatic (the system default)"


class SettingsWindow(QWidget):
    def __init__(
        self,
        paths: AppPaths,
        rep: str,
        policy_path: str,
        settings: SettingsFile,
        sync_box: QWidget | None = None,
        parent: QWidget | None = None,
        transcription_box: QWidget | None = None,
        managed: ManagedSettings | None = None,
        autostart: SessionAutostart | None = None,
        calendar_box: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setMinimumWidth(560)  # paths and the sync answer wrap, not clip
        self.resize(640, 640)  # a laptop's screen; what is below scrolls
        self._settings = settings
        content = QWidget()
        scroll = QScrollArea()
        scroll.setWidget(content)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        form = QFormLayout(content)
        self.mic = QComboBox()
        self.far_end = QComboBox()
        self.audio_problem = plain_label("")
        self._fill_devices()
        form.addRow(plain_label("Microphone"), self.mic)
        form.addRow(plain_label("Call audio (customer)"), self.far_end)
        form.addRow(self.audio_problem)
        self.mic.currentIndexChanged.connect(self._save)
        self.far_end.currentIndexChanged.connect(self._save)
        managed = managed or ManagedSettings()
        rep_by_it = managed.identity is not None and managed.identity.source == "managed"
        self.rows = {
            "Rep": f"{rep} ({MANAGED_LABEL})" if rep_by_it else rep,
            "Data folder": str(paths.data_dir),
            "Log file": str(paths.log_file),
            "Policy in force": policy_path,
            "Organisation key": trust_anchor(paths).describe(),
            "Managed settings": f"{managed.path} ({MANAGED_LABEL})"
            if managed.path
            else "none (this computer is not managed)",
        }
        for label, value in self.rows.items():
            shown = plain_label(value)
            shown.setWordWrap(True)
            form.addRow(plain_label(label), shown)
        self.open_logs = QPushButton("Open log folder")
        self.open_logs.clicked.connect(
            lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(paths.log_dir)))
        )
        form.addRow(self.open_logs)
        self.autostart = QCheckBox("Start with my session")
        self.autostart_problem = plain_label("")
        self._autostart = autostart
        if autostart is not None and autostart.available():
            self.autostart.setChecked(autostart.enabled())
            self.autostart.toggled.connect(self._start_with_session)
            form.addRow(self.autostart)
            form.addRow(self.autostart_problem)
        if sync_box is not None:
            form.addRow(sync_box)
        if transcription_box is not None:
            form.addRow(transcription_box)
        if calendar_box is not None:
            form.addRow(calendar_box)
        name_fields(self)

    def _fill_devices(self) -> None:
        chosen = self._settings.load()
        try:
            mics, far_ends = source_options()
        except UserFacingError as error:
            mics, far_ends = [], []
            self.audio_problem.setText(str(error))
        _fill(self.mic, mics, chosen.mic_source)
        _fill(self.far_end, far_ends, chosen.far_end_source)
        if not far_ends:
            self.audio_problem.setText(
                self.audio_problem.text() + " No call-audio source: only your side is recorded."
            )

    def _start_with_session(self, on: bool) -> None:
        assert self._autostart is not None
        try:
            self._autostart.set_enabled(on)
        except OSError as error:
            self.autostart_problem.setText(
                f"Could not change it ({error.strerror or error}): check that your "
                f"{self._autostart.user_entry.parent} folder can be written."
            )

    def _save(self) -> None:
        settings = self._settings.load().with_changes(
            mic_source=self.mic.currentData(), far_end_source=self.far_end.currentData()
        )
        try:
            self._settings.save(settings)
        except UserFacingError as error:
            self.audio_problem.setText(error.shown())


def _fill(box: QComboBox, sources: list[CaptureSource], chosen: str | None) -> None:
    box.blockSignals(True)  # filling is not choosing
    box.addItem(AUTOMATIC, None)
    for source in sources:
        box.addItem(source.label, source.key)
    index = box.findData(chosen) if chosen else 0
    box.setCurrentIndex(max(index, 0))
    box.blockSignals(False)
