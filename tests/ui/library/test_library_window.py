"""The library holds up: long accounts, many calls, the rep's locale, nothing to show."""

from __future__ import annotations

from datetime import UTC

import pytest
from bench.library_bench import LONG_ACCOUNT, build
from PySide6.QtCore import QDateTime, QLocale, Qt
from PySide6.QtGui import QFontDatabase

from companion.app.calls.service import CallRequest
from companion.app.compose import build_context
from companion.edges.paths import AppPaths
from companion.ui.library.library_table import COLUMNS, DELETED_COLUMN, SYNC_COLUMN
from companion.ui.library.library_window import DEFAULT_SIZE, NO_CALLS, NO_MATCH, LibraryWindow
from companion.ui.look.badge_delegate import BADGE_ROLE
from companion.ui.shell.app import TrayApp

QWIDGETSIZE_MAX = 16_777_215  # Qt's "no maximum"


@pytest.fixture
def companion(qtbot, make_context):
    app = TrayApp(make_context(), lambda: None)
    yield app
    for window in list(app.windows.values()):
        window.close()
    app.tray.icon.hide()


@pytest.fixture
def german(qapp):
    QLocale.setDefault(QLocale(QLocale.Language.German, QLocale.Country.Germany))
    yield QLocale()
    QLocale.setDefault(QLocale.system())


def test_ten_thousand_calls_and_a_200_character_account_fit_the_default_window(
    qtbot, companion_home
):
    build(companion_home, 10_000, 1_000, seed=3)
    app = TrayApp(build_context(AppPaths.from_environment()), lambda: None)
    try:
        library = app.open_window("library")
        assert isinstance(library, LibraryWindow)
        qtbot.waitExposed(library)
        room = library.screen().availableGeometry()  # the offscreen screen: 800x600
        assert room.contains(library.frameGeometry()), (room, library.frameGeometry())
        frame = library.frameGeometry().size() - library.size()
        most = (room.width() - frame.width(), room.height() - frame.height())
        assert (library.width(), library.height()) == tuple(map(min, DEFAULT_SIZE, most))
        # The table is judged at the default size (a laptop's screen holds it: see
        # tests/ui/look/test_laptop_screens.py), not squeezed onto this small test screen.
        library.setMaximumSize(QWIDGETSIZE_MAX, QWIDGETSIZE_MAX)
        library.resize(*DEFAULT_SIZE)
        qtbot.waitUntil(lambda: library.size().toTuple() == DEFAULT_SIZE)
        table, header = library.table, library.table.horizontalHeader()
        accounts = [table.item(row, 1).text() for row in range(table.rowCount())]
        assert LONG_ACCOUNT in accounts and len(LONG_ACCOUNT) == 200
        visible = table.viewport().width()
        for column, title in enumerate(COLUMNS):
            left = header.sectionViewportPosition(column)
            right = left + header.sectionSize(column)
            assert left >= 0 and right <= visible, f"{title}: {left}..{right} of {visible}"
            assert header.sectionSize(column) >= 60, title  # seen, not a sliver
        row = accounts.index(LONG_ACCOUNT)
        assert table.item(row, 1).toolTip() == LONG_ACCOUNT  # elided in the cell, whole here
        assert library.count.text().startswith("500 calls")  # says the list is the newest
    finally:
        for window in app.windows.values():
            window.close()
        app.tray.icon.hide()


def test_dates_are_in_the_reps_locale_and_zone(qtbot, companion, german):
    calls = companion.context.calls
    calls.start_call(CallRequest("Acme", "demo", "DE"))
    calls.mark_decline()
    calls.end_call()
    library = companion.open_window("library")
    started = library.rows[0].started_at.replace(tzinfo=UTC)
    local = QDateTime.fromSecsSinceEpoch(int(started.timestamp())).toLocalTime()
    shown = library.table.item(0, 0).text()
    assert shown == german.toString(local, QLocale.FormatType.ShortFormat)
    assert "." in shown  # 1.12.26, 14:05: as a German rep writes it
    assert library.date_from.displayFormat() == german.dateFormat(QLocale.FormatType.ShortFormat)


def test_sync_state_and_deletion_date_are_badges(qtbot, companion, tmp_path):
    calls = companion.context.calls
    calls.start_call(CallRequest("Acme", "demo", "DE"))
    calls.mark_decline()
    calls.end_call()
    library = companion.open_window("library")
    sync = library.table.item(0, SYNC_COLUMN)
    assert sync.text() == "not set up" and sync.data(BADGE_ROLE) == "neutral"
    library.show_sync_stage(library.rows[0].call_id, "uploading")
    assert sync.text() == "uploading…" and sync.data(BADGE_ROLE) == "pending"
    library.show_sync_stage(library.rows[0].call_id, "retry later")
    assert sync.data(BADGE_ROLE) == "trouble"
    assert library.table.item(0, DELETED_COLUMN).data(BADGE_ROLE) is None  # no audio


def test_an_empty_library_says_what_to_do(qtbot, companion):
    library = companion.open_window("library")
    qtbot.waitExposed(library)
    assert library.empty.isVisible() and library.empty.text() == NO_CALLS
    assert not library.table.isVisible()
    calls = companion.context.calls
    calls.start_call(CallRequest("Acme", "demo", "DE"))
    calls.mark_decline()
    calls.end_call()
    library.refresh()
    assert library.table.isVisible()
    qtbot.keyClicks(library.search, "nothing like this")
    qtbot.waitUntil(lambda: library.empty.isVisible())
    assert library.empty.text() == NO_MATCH and library.clear_button.isVisible()
    qtbot.mouseClick(library.clear_button, Qt.MouseButton.LeftButton)
    assert library.table.isVisible() and library.search.text() == ""


def test_the_keyboard_finds_and_opens_a_call(qtbot, companion):
    calls = companion.context.calls
    for account in ("Acme", "Globex"):
        calls.start_call(CallRequest(account, "demo", "DE"))
        calls.mark_decline()
        calls.end_call()
    for window in list(companion.windows.values()):
        window.close()
    library = companion.open_window("library")
    with qtbot.waitActive(library):
        library.activateWindow()
    library.table.setFocus()
    qtbot.keyClick(library.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert library.search.hasFocus()
    library.table.setFocus()
    qtbot.keyClick(library.table, Qt.Key.Key_Down)
    qtbot.keyClick(library.table, Qt.Key.Key_Down)
    assert library.table.currentRow() == 1
    qtbot.keyClick(library.table, Qt.Key.Key_Return)
    opened = [n for n, w in companion.windows.items() if n.startswith("review:") and w.isVisible()]
    assert opened == [f"review:{library.rows[1].call_id}"]  # the row chosen, only


def test_the_fonts_the_readme_names_cover_cjk_hebrew_arabic_and_emoji(qapp):
    # Debian: fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji (.ci/run installs them).
    systems = QFontDatabase.WritingSystem
    for system in (systems.SimplifiedChinese, systems.Japanese, systems.Hebrew, systems.Arabic):
        assert QFontDatabase.families(system), system
    assert any("Emoji" in family for family in QFontDatabase.families())
