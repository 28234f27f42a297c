"""Every window a rep can open, walked as a screen reader and a keyboard user would."""

from __future__ import annotations

import itertools

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFont, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QToolButton, QWidget

from companion.app.calls.service import CallRequest
from companion.ui.calls.blocked_dialog import BlockedDialog
from companion.ui.calls.consent_dialog import ConsentDialog
from companion.ui.look.a11y import is_control, unnamed_controls
from companion.ui.look.theme import DARK, LIGHT, LOOKS, Theme, contrast, text_pairs
from companion.ui.shell.app import TrayApp
from companion.ui.shell.confirm import quit_during_call, withdrawal
from companion.ui.shell.control_window import ControlWindow
from companion.ui.shell.retention_warning import RetentionWarning


@pytest.fixture
def themed(qapp: QApplication):
    """The app's Theme on the test's QApplication; everything it set is undone after."""
    font, palette, sheet = QFont(qapp.font()), QPalette(qapp.palette()), qapp.styleSheet()
    theme = Theme(qapp)
    yield theme
    theme.setParent(None)  # no longer follows the scheme once the test is over
    qapp.setStyleSheet(sheet)
    qapp.setPalette(palette)
    qapp.setFont(font)


@pytest.fixture
def companion(qtbot, make_context, themed):
    app = TrayApp(make_context(), lambda: None)
    yield app
    for window in list(app.windows.values()):
        window.close()
    if app.flow.dialog is not None:
        app.flow.dialog.close()
    app.call_windows.follow(None)
    app.tray.icon.hide()


def every_window(companion: TrayApp) -> dict[str, QWidget]:
    """Each window and dialog of the app, opened the way the app opens it."""
    flow, calls = companion.flow, companion.context.calls
    shown: dict[str, QWidget] = {"start dialog": flow.ask_details()}
    shown["quick start"] = flow.quick_start()
    calls.start_call(CallRequest("Acme", "demo", "DE"))
    consent = flow.ask_consent()
    assert isinstance(consent, ConsentDialog)
    shown["consent dialog"] = consent
    calls.mark_consent()
    assert companion.call_window is not None and companion.call_windows.bar is not None
    shown["call window"], shown["call bar"] = companion.call_window, companion.call_windows.bar
    shown["quit question"] = quit_during_call("Acme", lambda: None)
    shown["withdrawal question"] = withdrawal(True, lambda: None)
    assert calls.current is not None
    call_id = calls.current.details.call_id
    calls.mark_moment(tag="pain_point", note="budget")
    calls.end_call()
    shown["review"] = companion.windows[f"review:{call_id}"]
    for name in ("library", "policy", "settings"):
        shown[name] = companion.open_window(name)
    shown["concern dialog"] = companion.raise_concern()
    calls.start_call(CallRequest("Globex", "demo", "DE"))  # a call open while all else is
    calls.mark_decline()
    assert companion.call_window is not None and companion.call_windows.bar is not None
    shown["call window"], shown["call bar"] = companion.call_window, companion.call_windows.bar
    shown["blocked dialog"] = BlockedDialog("Legal discussions are never recorded.", True)
    shown["retention warning"] = RetentionWarning("2", 3, 5.0, lambda: None)
    shown["no-tray window"] = ControlWindow(companion.tray.actions)
    return shown


def test_every_control_of_every_window_has_an_accessible_name(qtbot, companion):
    problems = {}
    for where, window in every_window(companion).items():
        window.show()
        missing = unnamed_controls(window)
        if missing:
            problems[where] = [f"{type(w).__name__} {w.objectName()!r}" for w in missing]
    for action in companion.tray.menu.actions():
        if not action.isSeparator() and not action.text().strip():
            problems.setdefault("tray menu", []).append("an action without words")
    assert problems == {}


def test_tab_goes_through_the_library_in_reading_order(qtbot, companion):
    calls = companion.context.calls
    calls.start_call(CallRequest("Acme", "demo", "DE"))
    calls.mark_decline()
    calls.end_call()
    library = companion.open_window("library")
    qtbot.waitExposed(library)
    order, widget = [], library.search
    for _ in range(9):
        order.append(widget)
        widget = widget.nextInFocusChain()
        while (
            not (is_control(widget) and widget.focusPolicy() & Qt.FocusPolicy.TabFocus)
            or not widget.isVisible()
        ):
            widget = widget.nextInFocusChain()
    assert order[:8] == [
        library.search,
        library.tag,
        library.call_type,
        library.outcome,
        library.use_dates,
        library.date_from,
        library.date_to,
        library.table,
    ]
    xs = [w.mapTo(library, w.rect().topLeft()).x() for w in order[:7]]
    assert xs == sorted(xs)  # the filter row reads left to right


@pytest.mark.parametrize("palette", [LIGHT, DARK], ids=lambda p: p.name)
def test_text_contrast_is_at_least_4_5_to_1(palette):
    low = {
        name: round(contrast(ink, paper), 2)
        for name, (ink, paper) in text_pairs(palette).items()
        if contrast(ink, paper) < 4.5
    }
    assert low == {}


def test_focus_is_visible_in_the_style_sheet(themed, qtbot, companion):
    sheet = QApplication.instance().styleSheet()
    for control in ("QPushButton:focus", "QLineEdit:focus", "QComboBox:focus", "QTableView:focus"):
        assert control in sheet
    assert f"border: 2px solid {themed.palette.accent}" in sheet


def test_open_windows_follow_the_os_colour_scheme_live(qtbot, companion, themed):
    windows = every_window(companion)
    for window in windows.values():
        window.show()
    tray_before = companion.tray.icon.icon().pixmap(32).toImage()
    hints = QGuiApplication.styleHints()
    # What the OS does when the rep switches to dark (offscreen Qt has no OS to ask).
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    qtbot.waitUntil(lambda: companion.tray.icon.icon().pixmap(32).toImage() != tray_before)
    for where, window in windows.items():
        colour = window.palette().color(QPalette.ColorRole.Window).name()
        assert colour == DARK.window, where
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
    for where, window in windows.items():
        assert window.palette().color(QPalette.ColorRole.Window).name() == LIGHT.window, where


def test_text_grows_with_the_system_font(qapp, qtbot, make_context):
    original = QFont(qapp.font())
    bigger = QFont(original)
    bigger.setPointSizeF(16)
    qapp.setFont(bigger)
    try:
        theme = Theme(qapp)
        assert qapp.font().pointSizeF() == 16
        assert "16" in str(theme.body)
        consent = ConsentDialog("Is it OK to record?", "Fine.", "1", "en")
        assert consent.script_label.font().pointSizeF() > 16 * 1.5  # a step above the body
        theme.setParent(None)
    finally:
        qapp.setStyleSheet("")
        qapp.setFont(original)
        qapp.setPalette(QPalette())


def test_the_consent_script_has_the_focus_not_an_answer(qtbot, companion):
    companion.context.calls.start_call(CallRequest("Acme", "demo", "DE"))
    consent = companion.flow.ask_consent()
    assert isinstance(consent, ConsentDialog)
    with qtbot.waitActive(consent):
        consent.activateWindow()
    assert consent.script_label.hasFocus()
    qtbot.keyClick(consent.script_label, Qt.Key.Key_Space)
    assert companion.context.calls.current.state.value == "asking"  # nothing answered
    qtbot.keyClick(consent.script_label, Qt.Key.Key_Tab)
    assert consent.agree_button.hasFocus()  # the answers are one Tab away


def test_the_tray_icon_is_drawn_for_every_size_and_high_dpi(qapp):
    from companion.ui.look.icons import ICON_SIZES, state_icon

    for look in LOOKS:
        icon = state_icon(look, LIGHT)
        sizes = {size.width() for size in icon.availableSizes()}
        assert {16, 22, 24, 32, 48, 64} <= sizes and {16, 64} <= set(ICON_SIZES)
        for size in (16, 24, 64):
            assert icon.pixmap(size).width() == size  # drawn at that size, not scaled
        sharp = icon.pixmap(QSize(32, 32), 2.0)  # a 2x screen: the 64 px drawing, not blown up
        assert sharp.devicePixelRatio() == 2.0 and sharp.width() == 64


def tab_chain(window: QWidget) -> list[QWidget]:
    """The controls Tab visits, once round the window's focus chain."""
    chain: list[QWidget] = []
    widget = window.nextInFocusChain()
    while widget is not None and widget is not window and len(chain) < 500:
        tabbable = widget.focusPolicy() & Qt.FocusPolicy.TabFocus
        if is_control(widget) and widget.isVisibleTo(window) and tabbable and widget not in chain:
            chain.append(widget)
        widget = widget.nextInFocusChain()
    return chain


def out_of_reading_order(window: QWidget) -> list[str]:
    """Pairs where Tab jumps up a row, or leftwards within one."""
    wrong = []
    chain = tab_chain(window)
    for first, second in itertools.pairwise(chain):
        a, b = (w.mapTo(window, w.rect().center()) for w in (first, second))
        same_row = abs(a.y() - b.y()) < max(first.height(), second.height()) / 2
        if (same_row and b.x() < a.x()) or (not same_row and b.y() < a.y()):
            wrong.append(
                f"{type(first).__name__} {a.toTuple()} -> {type(second).__name__} {b.toTuple()}"
            )
    return wrong


def test_tab_follows_the_reading_order_in_every_window(qtbot, companion):
    problems = {}
    for where, window in every_window(companion).items():
        window.show()
        QApplication.processEvents()  # a scroll area lays its content out on the event loop
        wrong = out_of_reading_order(window)
        if wrong:
            problems[where] = wrong
    assert problems == {}


def test_the_no_tray_window_shows_each_actions_words(qtbot, companion):
    window = ControlWindow(companion.tray.actions)
    qtbot.addWidget(window)
    window.show()
    for button in window.findChildren(QToolButton):
        assert button.toolButtonStyle() is not Qt.ToolButtonStyle.ToolButtonIconOnly
        assert button.text() and button.width() > button.fontMetrics().horizontalAdvance("Quit")
