"""A small window with the tray's actions, for desktops that have no system tray."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QSizePolicy, QToolButton, QVBoxLayout, QWidget

from companion.ui.look.text import plain_label


class ControlWindow(QWidget):
    def __init__(self, actions: dict[str, QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Rep Companion")
        layout = QVBoxLayout(self)
        self.state_label = plain_label("No call")
        self.state_label.setProperty("role", "title")
        layout.addWidget(self.state_label)
        for action in actions.values():
            button = QToolButton()
            button.setDefaultAction(action)
            # The words beside the icon (a tool button shows the icon alone by default).
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            layout.addWidget(button)

    def show_state(self, words: str) -> None:
        self.state_label.setText(words)
