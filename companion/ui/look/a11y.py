"""Accessible names: every control says what it is to a screen reader.

A field's visible label is its name (as a sighted rep reads it): a form row's label,
or the label just before it in a row or column. `name_fields` writes that into
`accessibleName` (and makes the label its buddy, so Alt+letter and clicks reach it)
for every field of a window that has no name yet; a label's words in brackets become
the description. Fields without a label are named where they are made.
"""

from __future__ import annotations

import itertools

from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QBoxLayout,
    QComboBox,
    QFormLayout,
    QLabel,
    QLayout,
    QLayoutItem,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

CONTROLS: tuple[type[QWidget], ...] = (
    QAbstractButton,
    QLineEdit,
    QComboBox,
    QPlainTextEdit,
    QTextEdit,
    QAbstractItemView,
    QAbstractSpinBox,
)


def is_control(widget: QWidget) -> bool:
    """An interactive control of its own, not a part of one (a combo box's list, a spin
    box's line edit, a line edit's clear button, a table's corner button)."""
    if not isinstance(widget, CONTROLS):
        return False
    parent = widget.parentWidget()
    while parent is not None and not parent.isWindow():
        if isinstance(parent, CONTROLS):
            return False
        parent = parent.parentWidget()
    return not (parent is not None and isinstance(parent.parentWidget(), QComboBox))


def unnamed(widget: QWidget) -> bool:
    """Strict: a button's text counts as its name; anything else needs accessibleName."""
    if widget.accessibleName().strip():
        return False
    return not (isinstance(widget, QAbstractButton) and widget.text().strip())


def name_from(label: QLabel, field: QWidget) -> None:
    words = label.text().strip().rstrip("*: ").strip()
    name, _, more = words.partition(" (")
    if not name or not unnamed(field):
        return
    field.setAccessibleName(name)
    if more and not field.accessibleDescription():
        field.setAccessibleDescription(more.rstrip(")"))
    label.setBuddy(field)


def _pairs(layout: QLayout) -> list[tuple[QLabel, QWidget]]:
    if isinstance(layout, QFormLayout):
        rows = []
        for row in range(layout.rowCount()):
            label = layout.itemAt(row, QFormLayout.ItemRole.LabelRole)
            field = layout.itemAt(row, QFormLayout.ItemRole.FieldRole)
            if label and field and isinstance(label.widget(), QLabel) and field.widget():
                rows.append((label.widget(), field.widget()))
        return rows  # type: ignore[return-value]
    if isinstance(layout, QBoxLayout):
        widgets = [_widget(layout.itemAt(i)) for i in range(layout.count())]
        return [
            (first, second)
            for first, second in itertools.pairwise(widgets)
            if isinstance(first, QLabel) and second is not None and is_control(second)
        ]
    return []


def _widget(item: QLayoutItem | None) -> QWidget | None:
    return item.widget() if item is not None else None


def _layout(item: QLayoutItem | None) -> QLayout | None:
    return item.layout() if item is not None else None


def _layouts(root: QWidget) -> list[QLayout]:
    found: list[QLayout] = []
    todo = [root.layout()] + [w.layout() for w in root.findChildren(QWidget)]
    while todo:
        layout = todo.pop()
        if layout is None or layout in found:
            continue
        found.append(layout)
        todo += [_layout(layout.itemAt(i)) for i in range(layout.count())]
    return found


def name_fields(root: QWidget) -> None:
    """Name `root`'s unnamed fields by their labels, or their placeholder text."""
    for layout in _layouts(root):
        for label, field in _pairs(layout):
            name_from(label, field)
    for line in root.findChildren(QLineEdit):
        if is_control(line) and unnamed(line) and line.placeholderText():
            line.setAccessibleName(line.placeholderText())


def unnamed_controls(root: QWidget) -> list[QWidget]:
    """The controls under `root` a screen reader could not name (for tests and checks)."""
    return [w for w in [root, *root.findChildren(QWidget)] if is_control(w) and unnamed(w)]


def follow_reading_order(root: QWidget) -> None:
    """Tab in reading order: rows top to bottom, left to right in a row.

    For windows that add fields after their buttons (Qt's tab order is creation order).
    Call it once the window is shown, so the controls have their places.
    """
    layout = root.layout()
    if layout is not None:
        layout.activate()
    controls = [w for w in root.findChildren(QWidget) if is_control(w) and w.isVisibleTo(root)]
    rows: list[tuple[int, list[QWidget]]] = []
    for widget in sorted(controls, key=lambda w: w.mapTo(root, w.rect().center()).y()):
        middle = widget.mapTo(root, widget.rect().center()).y()
        if rows and middle - rows[-1][0] < widget.height() / 2:
            rows[-1][1].append(widget)
        else:
            rows.append((middle, [widget]))
    ordered = [
        widget
        for _middle, row in rows
        for widget in sorted(row, key=lambda w: w.mapTo(root, w.rect().topLeft()).x())
    ]
    for first, second in itertools.pairwise(ordered):
        QWidget.setTabOrder(first, second)
