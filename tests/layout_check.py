"""Is anything clipped or off the screen? Checked from widget geometry, not by eye.

A window must lie inside the screen's available area; every visible widget inside its
parent (a scroll area's content excepted: it scrolls), at least as large as its minimum
size hint, and a word-wrapped label tall enough for its text at its width. Siblings laid
out by the same layout must not overlap.
"""

from __future__ import annotations

from PySide6.QtCore import QRect
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractScrollArea,
    QComboBox,
    QLabel,
    QLineEdit,
    QScrollBar,
    QSizeGrip,
    QWidget,
)

# Widgets whose words are cut when they are smaller than their minimum size hint (a
# container's hint is its children's business; a scroll area scrolls).
SHOWS_WORDS = (QLabel, QAbstractButton, QComboBox, QLineEdit)
SLACK = 2  # px: a style may draw a field a pixel or two under its hint


def _name(widget: QWidget) -> str:
    text = widget.text() if hasattr(widget, "text") and callable(widget.text) else ""
    words = f" {str(text)[:40]!r}" if text else ""
    return f"{type(widget).__name__}{words}"


def _scrolls(parent: QWidget | None) -> bool:
    """`parent` is a scroll area's viewport (or its content): what it holds may scroll."""
    while parent is not None:
        area = parent.parentWidget()
        if isinstance(area, QAbstractScrollArea) and area.viewport() is parent:
            return True
        if parent.isWindow():
            return False
        parent = area
    return False


def problems(window: QWidget, screen: QRect, title: str) -> list[str]:
    """Every way `window` (shown, laid out) is clipped or off `screen`, in words."""
    found: list[str] = []
    frame = window.frameGeometry()
    if not screen.contains(frame):
        found.append(f"{title}: the window {frame.getRect()} is off the screen {screen.getRect()}")
    for widget in window.findChildren(QWidget):
        if widget.isWindow() or not widget.isVisibleTo(window):
            continue
        if isinstance(widget, (QScrollBar, QSizeGrip)):
            continue
        parent = widget.parentWidget()
        if parent is None:
            continue
        what = f"{title}: {_name(widget)}"
        # Inside a scroll area, what lies outside the viewport is reached by scrolling.
        if not _scrolls(widget) and not parent.rect().contains(widget.geometry()):
            found.append(f"{what} {widget.geometry().getRect()} is cut by its parent")
            continue
        hint = widget.minimumSizeHint()
        short = widget.width() < hint.width() - SLACK or widget.height() < hint.height() - SLACK
        wraps = isinstance(widget, QLabel) and widget.wordWrap()  # judged by height for width
        if isinstance(widget, SHOWS_WORDS) and hint.isValid() and short and not wraps:
            found.append(
                f"{what} is squeezed to {widget.width()}x{widget.height()} "
                f"(needs {hint.width()}x{hint.height()})"
            )
        if isinstance(widget, QLabel) and widget.wordWrap() and widget.text():
            needed = widget.heightForWidth(widget.width())
            if needed > widget.height():
                found.append(f"{what} shows {widget.height()} of {needed} px of its text")
    return found


def popup_problems(popup: QAbstractItemView, screen: QRect, title: str) -> list[str]:
    """A dropdown list (a completer's) on the screen, every row's words whole."""
    found: list[str] = []
    frame = popup.frameGeometry()
    if not screen.contains(frame):
        found.append(f"{title}: the list {frame.getRect()} is off the screen {screen.getRect()}")
    model = popup.model()
    metrics = popup.fontMetrics()
    for row in range(model.rowCount()):
        index = model.index(row, 0)
        text = str(index.data())
        room = popup.visualRect(index).width()
        if metrics.horizontalAdvance(text) > room:
            found.append(f"{title}: {text[:40]!r} is cut to {room} px")
    return found
