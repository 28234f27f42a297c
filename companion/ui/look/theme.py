"""The design system, as data: spacing, type scale, the colours of both themes, one stylesheet.

Every colour the UI shows comes from a `Palette` here; widgets name what they are
(`setProperty("look", "recording")`, `setProperty("role", "muted")`), never a colour.
The light or dark palette follows the OS colour scheme (`QStyleHints.colorScheme`) and
is re-applied live on `colorSchemeChanged`, so open windows repaint without being
rebuilt; widgets that paint themselves (icons, badges) read `current_palette()`.

Type sizes are multiples of the app font's point size (the system's font setting), so
text grows with the rep's own choice; `MIN_BODY_POINTS` keeps small defaults readable.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget

# Spacing steps in px: every margin and gap is one of these.
SPACE_XS, SPACE_S, SPACE_M, SPACE_L, SPACE_XL = 4, 8, 12, 16, 24
RADIUS = 6
MIN_BODY_POINTS = 10.0
# Type scale: a role's size is this times the body size.
TYPE_SCALE = {"caption": 0.9, "body": 1.0, "title": 1.3, "state": 1.45, "script": 1.8}
LOOKS = ("idle", "asking", "recording", "paused", "notes", "blocked")


@dataclass(frozen=True)
class Badge:
    """A state's words' colour (ink) on its background (paper)."""

    ink: str
    paper: str


@dataclass(frozen=True)
class Palette:
    name: str
    window: str
    surface: str  # fields, lists, tables
    alternate: str  # every other table row
    text: str
    muted: str  # secondary text: hints, captions, placeholders
    border: str
    accent: str  # buttons that start something, selection, focus ring
    on_accent: str
    button: str
    # Call states: shared by the tray icon, the call bar, the call window and review.
    idle: Badge
    asking: Badge
    recording: Badge
    paused: Badge
    notes: Badge
    blocked: Badge
    # Library badges.
    synced: Badge
    pending: Badge  # ready to sync, uploading
    trouble: Badge  # retry later, deletion soon
    neutral: Badge  # local, not set up, a deletion date

    def look(self, name: str) -> Badge:
        badge = getattr(self, name)
        assert isinstance(badge, Badge), name
        return badge

    def badges(self) -> dict[str, Badge]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.type in ("Badge", Badge)}


LIGHT = Palette(
    name="light",
    window="#f4f5f7",
    surface="#ffffff",
    alternate="#f0f2f5",
    text="#1c2330",
    muted="#4f5866",
    border="#c3c9d2",
    accent="#1d5bbf",
    on_accent="#ffffff",
    button="#e6e9ee",
    idle=Badge("#1c2330", "#dde1e7"),
    asking=Badge("#ffffff", "#1d5bbf"),
    recording=Badge("#ffffff", "#b42318"),
    paused=Badge("#1b1b1b", "#f4c430"),
    notes=Badge("#ffffff", "#4a5560"),
    blocked=Badge("#ffffff", "#6a3d9a"),
    synced=Badge("#0f5132", "#d1f0dd"),
    pending=Badge("#123f7a", "#dbe8fb"),
    trouble=Badge("#6b3a00", "#fde7c2"),
    neutral=Badge("#2f3742", "#e4e7ec"),
)

DARK = Palette(
    name="dark",
    window="#1b1e23",
    surface="#23272e",
    alternate="#2a2f37",
    text="#e9ecf1",
    muted="#aab2be",
    border="#424954",
    accent="#8ab4ff",
    on_accent="#0c1526",
    button="#333943",
    idle=Badge("#e9ecf1", "#3a414b"),
    asking=Badge("#0c1526", "#8ab4ff"),
    recording=Badge("#ffffff", "#c62828"),
    paused=Badge("#1b1b1b", "#f4c430"),
    notes=Badge("#0f1419", "#a3adb8"),
    blocked=Badge("#1a1026", "#c7a8ee"),
    synced=Badge("#c9f2d8", "#1d4a31"),
    pending=Badge("#d3e4ff", "#213a63"),
    trouble=Badge("#ffe2b0", "#5a3a10"),
    neutral=Badge("#dfe3e9", "#3a414b"),
)


def palette_for(scheme: Qt.ColorScheme) -> Palette:
    return DARK if scheme is Qt.ColorScheme.Dark else LIGHT


def current_palette() -> Palette:
    """The palette in force: the one whose window colour the app's Qt palette has.

    Read from the app, not the OS hint, so what a widget paints always matches what the
    `Theme` applied (light when no theme is applied, as Qt's own default palette).
    """
    window = QGuiApplication.palette().color(QPalette.ColorRole.Window)
    return DARK if window == QColor(DARK.window) else LIGHT


def body_points(app_font: QFont) -> float:
    """The body size: the system font's size, never below MIN_BODY_POINTS."""
    size = app_font.pointSizeF()
    return max(MIN_BODY_POINTS, size if size > 0 else MIN_BODY_POINTS)


def points(role: str, body: float) -> float:
    return round(body * TYPE_SCALE[role], 1)


def role_font(widget: QWidget, role: str, bold: bool = False) -> QFont:
    """The widget's font at `role`'s size of the type scale (of the app font's size)."""
    font = QFont(widget.font())
    font.setPointSizeF(points(role, body_points(QApplication.font())))
    font.setBold(bold)
    return font


def qt_palette(p: Palette) -> QPalette:
    """The Qt palette for `p`: what widgets without a style sheet rule paint with."""
    palette = QPalette()
    group = QPalette.ColorRole
    roles = {
        group.Window: p.window,
        group.WindowText: p.text,
        group.Base: p.surface,
        group.AlternateBase: p.alternate,
        group.Text: p.text,
        group.Button: p.button,
        group.ButtonText: p.text,
        group.Highlight: p.accent,
        group.HighlightedText: p.on_accent,
        group.ToolTipBase: p.surface,
        group.ToolTipText: p.text,
        group.PlaceholderText: p.muted,
        group.Link: p.accent,
        group.BrightText: p.on_accent,
    }
    for role, colour in roles.items():
        palette.setColor(role, QColor(colour))
    for role in (group.WindowText, group.Text, group.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(p.muted))
    return palette


def stylesheet(p: Palette, body: float) -> str:
    """The one style sheet: focus you can see, spacing from the steps, states by name."""
    return _controls(p) + _labels(p, body)


def _controls(p: Palette) -> str:
    return (
        f"QPushButton, QToolButton {{ background: {p.button}; border: 1px solid {p.border};"
        f" border-radius: {RADIUS}px; padding: {SPACE_XS + 2}px {SPACE_M}px; }}\n"
        f"QPushButton:hover, QToolButton:hover {{ border-color: {p.accent}; }}\n"
        f"QPushButton:disabled, QToolButton:disabled {{ color: {p.muted}; }}\n"
        f"QLineEdit, QPlainTextEdit, QTextEdit, QTextBrowser, QComboBox, QDateEdit, QListView,"
        f" QListWidget, QTableView {{ background: {p.surface}; border: 1px solid {p.border};"
        f" border-radius: {RADIUS}px; padding: {SPACE_XS}px; }}\n"
        f"QTableView {{ alternate-background-color: {p.alternate}; gridline-color: {p.border}; }}\n"
        # A dropdown's rows: the row under the pointer or chosen is the accent, its words
        # readable on it (the style's own hover row drew blank against the surface).
        f"QComboBox QAbstractItemView {{ background: {p.surface}; color: {p.text};"
        f" selection-background-color: {p.accent}; selection-color: {p.on_accent}; }}\n"
        f"QComboBox QAbstractItemView::item:hover, QComboBox QAbstractItemView::item:selected,"
        f" QComboBox::item:selected {{ background: {p.accent}; color: {p.on_accent}; }}\n"
        f"QHeaderView::section {{ background: {p.button}; color: {p.text}; border: none;"
        f" border-bottom: 1px solid {p.border}; padding: {SPACE_XS}px {SPACE_S}px; }}\n"
        # Visible focus on every control, keyboard or mouse.
        "QPushButton:focus, QToolButton:focus, QLineEdit:focus, QPlainTextEdit:focus,"
        " QTextEdit:focus, QTextBrowser:focus, QComboBox:focus, QDateEdit:focus,"
        " QListView:focus, QListWidget:focus, QTableView:focus"
        f" {{ border: 2px solid {p.accent}; }}\n"
        f"QCheckBox:focus, QRadioButton:focus {{ color: {p.accent}; }}\n"
        "QDialogButtonBox { dialogbuttonbox-buttons-have-icons: 0; }\n"  # no stock pixmaps
        f"QGroupBox {{ font-weight: bold; border: 1px solid {p.border};"
        f" border-radius: {RADIUS}px; margin-top: {SPACE_L}px; padding: {SPACE_S}px; }}\n"
        f"QGroupBox::title {{ subcontrol-origin: margin; left: {SPACE_S}px;"
        f" padding: 0 {SPACE_XS}px; }}\n"
        f"QToolTip {{ color: {p.text}; background: {p.surface}; border: 1px solid {p.border}; }}\n"
    )


def _labels(p: Palette, body: float) -> str:
    """Labels by role (muted, title, script, empty, warning) and the call state badges."""
    looks = "".join(
        f'QLabel[look="{name}"] {{ color: {p.look(name).ink}; background: {p.look(name).paper};'
        f" border-radius: {RADIUS}px; padding: {SPACE_XS}px {SPACE_M}px; font-weight: bold; }}\n"
        for name in LOOKS
    )
    return (
        f'QLabel[role="muted"] {{ color: {p.muted}; font-size: {points("caption", body)}pt; }}\n'
        f'QLabel[role="title"] {{ font-size: {points("title", body)}pt; font-weight: bold; }}\n'
        f'QLabel[role="empty"] {{ color: {p.muted}; font-size: {points("title", body)}pt; }}\n'
        f'QLabel[role="warning"] {{ color: {p.trouble.ink}; background: {p.trouble.paper};'
        f" border-radius: {RADIUS}px; padding: {SPACE_XS}px {SPACE_S}px; }}\n"
        f"QLabel[look] {{ font-size: {points('state', body)}pt; }}\n"
        f"{looks}"
    )


def restyle(widget: QWidget) -> None:
    """Apply a changed dynamic property (look, role): Qt does not re-polish by itself."""
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)


class Theme(QObject):
    """Applies the OS scheme's palette and style sheet to the app, and again on a change."""

    changed = Signal(object)  # the Palette now in force

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self._app = app
        self.body = body_points(app.font())
        self.palette = LIGHT
        app.setStyle("Fusion")  # the one style that paints the palette everywhere alike
        font = QFont(app.font())
        font.setPointSizeF(self.body)
        app.setFont(font)  # widgets' own sizes (role_font) scale from this
        hints = app.styleHints()
        self.apply(hints.colorScheme())
        hints.colorSchemeChanged.connect(self.apply)  # the OS switched: follow it, live

    def apply(self, scheme: Qt.ColorScheme) -> None:
        self.palette = palette_for(scheme)
        self._app.setPalette(qt_palette(self.palette))
        self._app.setStyleSheet(stylesheet(self.palette, self.body))
        self.changed.emit(self.palette)


def relative_luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of an #rrggbb colour."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)


def contrast(ink: str, paper: str) -> float:
    lighter, darker = sorted((relative_luminance(ink), relative_luminance(paper)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def text_pairs(p: Palette) -> dict[str, tuple[str, str]]:
    """Every text colour on every background it is drawn on, by a readable name."""
    pairs = {
        "text on window": (p.text, p.window),
        "text on surface": (p.text, p.surface),
        "text on alternate rows": (p.text, p.alternate),
        "text on buttons": (p.text, p.button),
        "muted on window": (p.muted, p.window),
        "muted on surface": (p.muted, p.surface),
        "muted on buttons": (p.muted, p.button),
        "selected text": (p.on_accent, p.accent),
    }
    pairs.update({f"{name} badge": (b.ink, b.paper) for name, b in p.badges().items()})
    return pairs
