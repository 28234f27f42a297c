"""Settings: where the rep's data lives and what protects it (read-only for now)."""

from __future__ import annotations

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFormLayout, QLabel, QPushButton, QWidget

from companion.paths import AppPaths


class SettingsWindow(QWidget):
    def __init__(
        self, paths: AppPaths, rep: str, policy_path: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        form = QFormLayout(self)
        self.rows = {
            "Rep": rep,
            "Data folder": str(paths.data_dir),
            "Log file": str(paths.log_file),
            "Policy in force": policy_path,
            "Organisation key": str(paths.organisation_key)
            if paths.organisation_key.exists()
            else "none configured (policies need no signature)",
        }
        for label, value in self.rows.items():
            shown = QLabel(value)
            shown.setWordWrap(True)
            form.addRow(label, shown)
        self.open_logs = QPushButton("Open log folder")
        self.open_logs.clicked.connect(
            lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(paths.log_dir)))
        )
        form.addRow(self.open_logs)
