"""Dropdown rows readable under the pointer; save dialogs start in the rep's documents."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication, QComboBox

from companion.ui.look.export_place import documents_path
from companion.ui.look.theme import Theme


@pytest.fixture
def themed(qapp: QApplication):
    font, palette, sheet = QFont(qapp.font()), QPalette(qapp.palette()), qapp.styleSheet()
    theme = Theme(qapp)
    yield theme
    theme.setParent(None)
    qapp.setStyleSheet(sheet)
    qapp.setPalette(palette)
    qapp.setFont(font)


@pytest.mark.parametrize("scheme", [Qt.ColorScheme.Light, Qt.ColorScheme.Dark])
def test_the_chosen_row_of_a_dropdown_shows_its_words_on_the_accent(qtbot, themed, scheme):
    themed.apply(scheme)
    box = QComboBox()
    qtbot.addWidget(box)
    box.addItems(["Discovery call", "Demo", "Negotiation"])
    box.setCurrentIndex(1)
    box.show()
    box.showPopup()
    view = box.view()
    qtbot.waitUntil(view.isVisible)
    rect = view.visualRect(view.model().index(1, 0))
    row = view.viewport().grab(rect).toImage()
    colours = {row.pixelColor(x, y).name() for x in range(row.width()) for y in range(row.height())}
    accent, words = QColor(themed.palette.accent).name(), QColor(themed.palette.on_accent)
    assert accent in colours  # the row is marked
    assert any(QColor(c).lightness() - QColor(accent).lightness() != 0 and
               abs(QColor(c).lightness() - words.lightness()) < 60 for c in colours)  # fmt: skip
    box.hidePopup()


def test_a_save_dialog_starts_in_the_documents_folder(tmp_path, monkeypatch):
    documents = tmp_path / "Documents"
    documents.mkdir()
    config = tmp_path / "config"
    config.mkdir()
    (config / "user-dirs.dirs").write_text(f'XDG_DOCUMENTS_DIR="{documents}"\n')
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    monkeypatch.chdir(Path(__file__).parent)  # the checkout: never where exports land
    assert documents_path("call-1234.md") == str(documents / "call-1234.md")
