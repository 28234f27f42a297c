"""Windows that grow with their words: a wrapped script is never cut mid-sentence.

Qt sizes a window from its layout's minimum size, which does not know that wrapped text
needs more height at a given width; a dialog first shown with a short page keeps that
height when a long page replaces it. `GrowingScroll` holds such text and asks for the
height the text needs at its width; `fit_to_contents` grows (or lets shrink) the window
to its layout's wish within the screen's available area, moved onto the screen. When the
screen is too small (a very large font), the text scrolls: it is never cut.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtWidgets import QCompleter, QFrame, QLayout, QScrollArea, QStyle, QWidget


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


def cap_to_screen(window: QWidget) -> None:
    """No larger than the screen's available area (frame included), and on it. The
    layout no longer sets the window's size limits: Qt otherwise raises the minimum (and
    the maximum with it) to whatever the layout asks for later, such as a long line of
    text; the minimum is the layout's now, within the screen."""
    screen = window.screen()
    if screen is None:
        return
    room = screen.availableGeometry()
    frame = window.frameGeometry().size() - window.size()
    most = QSize(room.width() - frame.width(), room.height() - frame.height())
    layout = window.layout()
    if layout is not None:
        layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        window.setMinimumSize(layout.totalMinimumSize().boundedTo(most))
    window.setMaximumSize(most)
    if window.width() > window.maximumWidth() or window.height() > window.maximumHeight():
        window.resize(
            min(window.width(), window.maximumWidth()), min(window.height(), window.maximumHeight())
        )
    where = window.frameGeometry()
    x = min(max(where.x(), room.x()), room.right() + 1 - where.width())
    y = min(max(where.y(), room.y()), room.bottom() + 1 - where.height())
    if (x, y) != (where.x(), where.y()):
        window.move(x, y)


class _OnScreen(QObject):
    """Moves the popup it watches back onto its screen whenever Qt places it."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kinds = (QEvent.Type.Show, QEvent.Type.Move, QEvent.Type.Resize)
        if isinstance(watched, QWidget) and event.type() in kinds and watched.isVisible():
            screen = watched.screen()
            if screen is not None:
                room, frame = screen.availableGeometry(), watched.frameGeometry()
                x = max(room.x(), min(frame.x(), room.right() + 1 - frame.width()))
                if x != frame.x():
                    watched.move(x, frame.y())
        return False


def widen_popup(completer: QCompleter, words: list[str], near: QWidget) -> None:
    """The completer's list as wide as its longest entry, within the screen. Qt places
    the list at the field's width, keeping that on screen: a longer entry was cut, and a
    list made wider would reach past the screen's edge, so it is moved back on."""
    popup = completer.popup()
    if popup is None:
        return
    metrics = popup.fontMetrics()
    scroll = popup.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
    margins = 2 * popup.frameWidth() + scroll + 4 * metrics.averageCharWidth()
    widest = max((metrics.horizontalAdvance(w) for w in words), default=0) + margins
    screen = near.screen()
    room = screen.availableGeometry().width() if screen is not None else widest
    popup.setMinimumWidth(min(widest, room))
    popup.installEventFilter(_OnScreen(popup))
