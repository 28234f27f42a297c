"""Text is text: what a policy, a rep or a device says is shown exactly as written.

QLabel (and QMessageBox, and tooltips) guess rich text by default (`Qt.AutoText`,
`Qt.mightBeRichText`), so a consent script or an account name holding `<b>` or
`<img>` would be rendered as markup. Every label here is plain text; where a widget
only takes rich text (tooltips), the text is escaped into it.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget


def plain_label(text: str = "", parent: QWidget | None = None) -> QLabel:
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    return label


def tooltip_text(text: str) -> str:
    """A tooltip that shows `text` literally (Qt guesses rich text for tooltips)."""
    if "<" not in text and "&" not in text:
        return text  # nothing Qt could read as markup
    return "<qt>" + html.escape(text).replace("\n", "<br>") + "</qt>"
