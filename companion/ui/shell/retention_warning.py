"""Before a shortened retention window deletes anything, the rep is told how much."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from companion.ui.look import icons
from companion.ui.look.theme import current_palette


class RetentionWarning(QMessageBox):
    """Not modal: the rep may be on a call; the sweep itself waits hours."""

    def __init__(
        self,
        version: str,
        calls: int,
        hours_to_sweep: float,
        open_library: Callable[[], object],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        warning = icons.icon("triangle-exclamation", current_palette().trouble.ink)
        self.setIconPixmap(warning.pixmap(48))
        self.setWindowTitle("Retention window shortened")
        self.setTextFormat(Qt.TextFormat.PlainText)  # the version is the policy's text
        self.setText(f"Policy {version} keeps call audio on this computer for less time.")
        self.setInformativeText(
            f"The next retention sweep, in about {max(1, round(hours_to_sweep))} hour(s), "
            f"will delete the local audio of {calls} call(s). Their notes and moments stay; "
            "calls under legal hold are never deleted."
        )
        self.library_button = self.addButton("Show calls", QMessageBox.ButtonRole.ActionRole)
        self.ok_button = self.addButton(QMessageBox.StandardButton.Ok)
        self.setDefaultButton(self.ok_button)
        self.library_button.clicked.connect(open_library)
        self.setModal(False)
