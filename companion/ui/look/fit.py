"""Windows that grow with their words: a wrapped script is never cut mid-sentence.

Qt sizes a window from its layout's minimum size, which does not know that wrapped text
needs more height at a given width; a dialog first shown with a short page keeps that
height when a long page replaces it. `GrowingScroll` holds such text and asks for the
height the text needs at its width; `fit_to_contents` grows (or lets shrink) the window
to its layout's wish within the screen's available area, moved onto the screen. When the
screen is too small (a very large font), the text scrolls: it is never cut.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QFrame, QScrollArea, QWidget


class GrowingScroll(QScrollArea):
    """A frameless scroll area as tall as its content at its width (the window caps it)."""

    def __init__(self, content: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidget(content)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def _content(self) -> QWidget:
        content = self.widget()
        assert content is not None  # set in __init__
        return content

    def sizeHint(self) -> QSize:
        content = self._content()
        width = self.viewport().width() if self.isVisible() else content.sizeHint().width()
        layout = content.layout()
        if layout is not None and layout.hasHeightForWidth():
            height = layout.totalHeightForWidth(width)
        else:
            height = content.sizeHint().height()
        return QSize(content.sizeHint().width(), height)

    def minimumSizeHint(self) -> QSize:
        return QSize(self._content().minimumSizeHint().width(), 0)


def fit_to_contents(window: QWidget) -> None:
    """Resize `window` to the height its contents wish at its width, on the screen."""
    layout = window.layout()
    if layout is None:
        return
    for area in window.findChildren(GrowingScroll):
        area.updateGeometry()
    layout.invalidate()
    layout.activate()
    width = max(window.width(), layout.totalMinimumSize().width())
    if layout.hasHeightForWidth():
        needed = layout.totalHeightForWidth(width)
    else:
        needed = layout.totalSizeHint().height()
    screen = window.screen()
    if screen is None:
        window.resize(width, needed)
        return
    room = screen.availableGeometry()
    frame = window.frameGeometry().height() - window.height()
    height = min(needed, room.height() - frame)
    if window.height() != height:
        window.resize(width, height)
    top = window.frameGeometry().top()
    if window.isVisible() and top + height + frame > room.bottom() + 1:
        window.move(window.x(), max(room.top(), room.bottom() + 1 - height - frame))
