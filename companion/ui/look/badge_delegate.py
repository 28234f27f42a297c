"""Table cells drawn as badges: the words on a rounded patch of the theme's badge colour.

The cell's text stays its text (search, copy, accessibility read it); the badge's name
(`BADGE_ROLE`: "synced", "pending", "trouble", "neutral") picks the colours, from the
colour scheme in force when it is painted, so a change of scheme repaints it.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from companion.ui.look.theme import RADIUS, SPACE_S, SPACE_XS, current_palette

BADGE_ROLE = Qt.ItemDataRole.UserRole + 1

Index = QModelIndex | QPersistentModelIndex


class BadgeDelegate(QStyledItemDelegate):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        name = index.data(BADGE_ROLE)
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        if not name or not text:
            super().paint(painter, option, index)
            return
        widget = option.widget
        style = widget.style() if widget is not None else None
        empty = QStyleOptionViewItem(option)
        self.initStyleOption(empty, index)
        empty.text = ""
        if style is not None:  # the selection and focus, as for any cell
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, empty, painter, widget)
        badge = current_palette().look(str(name))
        metrics = option.fontMetrics
        cell = QRectF(option.rect).adjusted(SPACE_XS, SPACE_XS / 2, -SPACE_XS, -SPACE_XS / 2)
        shown = metrics.elidedText(
            text, Qt.TextElideMode.ElideRight, int(cell.width()) - 2 * SPACE_S
        )
        width = min(cell.width(), metrics.horizontalAdvance(shown) + 2 * SPACE_S)
        patch = QRectF(cell.left(), cell.top(), width, cell.height())
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(badge.paper))
        painter.drawRoundedRect(patch, RADIUS, RADIUS)
        painter.setPen(QColor(badge.ink))
        painter.drawText(patch, Qt.AlignmentFlag.AlignCenter, shown)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(size.width() + 2 * SPACE_S, size.height() + SPACE_XS)
