"""Icons from qtawesome's bundled Font Awesome 6 (Solid) font, drawn at every size asked.

qtawesome's own API imports qtpy, which loads QtOpenGL, and reads all twelve of its
fonts on the first icon: about 44 MB more idle memory and 140 ms at start-up (measured).
So only its font file and charmap are used here, found without importing the package;
glyphs are painted per size, so the tray icon stays crisp from 16 px to 64 px and on
high-DPI screens (a QIcon holding one pixmap per size).
"""

from __future__ import annotations

import importlib.util
import json
from functools import cache
from pathlib import Path

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase, QIcon, QPainter, QPixmap

from companion.ui.look.theme import Palette

FONT_FILE = "fontawesome6-solid-webfont-6.7.2.ttf"
CHARMAP_FILE = "fontawesome6-solid-webfont-charmap-6.7.2.json"
ICON_SIZES = (16, 20, 22, 24, 32, 40, 48, 64, 96, 128)
BUTTON_SIZES = (16, 20, 24, 32, 48)
# Each call state's glyph on its badge colour: one look for tray, bar and window.
STATE_GLYPHS = {
    "idle": "headset",
    "asking": "comment-dots",
    "recording": "circle",
    "paused": "pause",
    "notes": "pen",
    "blocked": "ban",
}


def _fonts_dir() -> Path:
    spec = importlib.util.find_spec("qtawesome")  # finds the package, does not import it
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("qtawesome is not installed (uv sync)")
    return Path(next(iter(spec.submodule_search_locations))) / "fonts"


@cache
def _charmap() -> dict[str, int]:
    """Glyph names to code points (the file is read-only data; read once)."""
    raw = json.loads((_fonts_dir() / CHARMAP_FILE).read_text(encoding="utf-8"))
    return {name: int(code, 16) for name, code in raw.items()}


@cache
def _family() -> str:
    """The icon font's family, registered with Qt once per process."""
    loaded = QFontDatabase.addApplicationFont(str(_fonts_dir() / FONT_FILE))
    families = QFontDatabase.applicationFontFamilies(loaded)
    if not families:
        raise RuntimeError(f"Qt could not load the icon font {FONT_FILE}")
    return families[0]


def glyph(name: str) -> str:
    return chr(_charmap()[name])


def _draw_glyph(painter: QPainter, name: str, colour: str, box: QRectF) -> None:
    font = QFont(_family())
    font.setStyleStrategy(QFont.StyleStrategy.PreferAntialias)
    font.setPixelSize(max(1, round(box.height())))
    painter.setFont(font)
    painter.setPen(QColor(colour))
    painter.drawText(box, Qt.AlignmentFlag.AlignCenter, glyph(name))


def _canvas(size: int) -> tuple[QPixmap, QPainter]:
    """A transparent square; high DPI takes a bigger one (QIcon picks 64 px for 32 @2x)."""
    pixmap = QPixmap(QSize(size, size))
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    return pixmap, painter


def icon(name: str, colour: str) -> QIcon:
    """A plain glyph in `colour` (buttons, menus)."""
    result = QIcon()
    for size in BUTTON_SIZES:
        pixmap, painter = _canvas(size)
        _draw_glyph(painter, name, colour, QRectF(0, 0, size, size))
        painter.end()
        result.addPixmap(pixmap)
    return result


def state_icon(look: str, palette: Palette) -> QIcon:
    """The call state's glyph in its ink on a disc of its paper: readable on any panel.

    Idle is monochrome (text colour), as calm tray icons are; a call's state is in colour.
    """
    badge = palette.look(look)
    ink, paper = (palette.window, palette.text) if look == "idle" else (badge.ink, badge.paper)
    result = QIcon()
    for size in ICON_SIZES:
        pixmap, painter = _canvas(size)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(paper))
        painter.drawEllipse(QRectF(0.5, 0.5, size - 1, size - 1))
        inset = size * (0.3 if look == "recording" else 0.22)
        box = QRectF(0, 0, size, size).adjusted(inset, inset, -inset, -inset)
        if look == "recording":  # the universal REC dot, exactly round at every size
            painter.setBrush(QColor(ink))
            painter.drawEllipse(box)
        else:
            _draw_glyph(painter, STATE_GLYPHS[look], ink, box)
        painter.end()
        result.addPixmap(pixmap)
    return result
