"""The tray icon: its look tells the state; its menu offers what makes sense now.

Where the tray host has no notification service (XEmbed trays such as trayer or a bare
X session), Qt draws the notification balloon and the icon's tooltip itself, beside the
icon, which is where the call bar sits by default: both are moved off the call bar, so
a balloon never hides End and a tooltip never takes the click meant for Resume.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QRect, QTimer, Signal
from PySide6.QtGui import QAction, QGuiApplication, QHelpEvent
from PySide6.QtWidgets import QApplication, QMenu, QSystemTrayIcon, QToolTip, QWidget

from companion.app.messages import Level, Message
from companion.core.calls.session import CONSENT_HELD, CallSession, CallState
from companion.core.policy.active import ActivePolicy
from companion.ui.look import icons
from companion.ui.look.looks import TrayLook, icon, look_for
from companion.ui.look.text import tooltip_text
from companion.ui.look.theme import current_palette

_TRAY_ICONS = {
    Level.INFO: QSystemTrayIcon.MessageIcon.Information,
    Level.WARNING: QSystemTrayIcon.MessageIcon.Warning,
    Level.ERROR: QSystemTrayIcon.MessageIcon.Critical,
}
SHOW_MS = 6000  # each notification's turn
CLEAR_GAP = 4  # px between a moved balloon or tooltip and what it keeps clear of
# Qt's own windows for the balloon, the tooltip and the icon (drawn by Qt on XEmbed trays).
BALLOON, TOOLTIP, ICON_WIDGET = "QBalloonTip", "QTipLabel", "QSystemTrayIconSys"
RECENT_KEPT = 10
ACTION_NAMES = (
    "start_call",
    "ignore_app",  # shown only while a detected call is offered
    "ask_again",
    "mark_moment",
    "pause_resume",
    "participant_joined",
    "withdraw",
    "end_call",
    "show_call",
    "sync_now",  # calls marked ready go now, not at the next 15-minute pass
    "library",
    "policy",
    "settings",
    "concern",
    "quit",
)
# The menu's glyphs (Font Awesome names), beside the words.
ACTION_GLYPHS = {
    "start_call": "phone",
    "ignore_app": "eye-slash",
    "ask_again": "comment-dots",
    "mark_moment": "bookmark",
    "pause_resume": "pause",
    "participant_joined": "user-plus",
    "withdraw": "comment-slash",
    "end_call": "phone-slash",
    "show_call": "headset",
    "sync_now": "rotate",
    "library": "book",
    "policy": "shield-halved",
    "settings": "gear",
    "concern": "flag",
    "quit": "right-from-bracket",
}


class TrayController(QObject):
    """Owns the icon and the menu; every action is a plain QAction others can reuse."""

    state_shown = Signal(str)

    def __init__(
        self,
        handlers: dict[str, Callable[[], object]],
        parent: QObject | None = None,
        icon: QSystemTrayIcon | None = None,
    ) -> None:
        """`icon`: one already shown while the app started (it stays; no second icon)."""
        super().__init__(parent)
        self.menu = QMenu()
        self.actions: dict[str, QAction] = {}
        labels = {
            "start_call": "Start call…",
            "ignore_app": "Ignore this app",
            "ask_again": "Ask for consent again…",
            "mark_moment": "Mark moment",
            "pause_resume": "Pause recording",
            "participant_joined": "Participant joined (pause for consent)",
            "withdraw": "Customer withdrew consent",
            "end_call": "End call",
            "show_call": "Show call window",
            "sync_now": "Sync now",
            "library": "Library",
            "policy": "Policy",
            "settings": "Settings",
            "concern": "Raise a concern…",
            "quit": "Quit",
        }
        for name in ACTION_NAMES:
            action = QAction(labels[name], self.menu)
            action.triggered.connect(handlers[name])
            self.actions[name] = action
            if name in ("sync_now", "quit"):
                self.menu.addSeparator()
            self.menu.addAction(action)
        self.recent: list[Message] = []  # newest first, for the "Recent messages" menu
        self.queue: list[Message] = []  # waiting to be shown, oldest first
        self.shown: Message | None = None  # the notification on screen (or last shown)
        self.showing = QTimer(self)
        self.showing.setSingleShot(True)
        self.showing.timeout.connect(self._show_next)
        self.recent_menu = QMenu("Recent messages")
        self.recent_menu.setEnabled(False)
        self.menu.insertMenu(self.actions["quit"], self.recent_menu)
        self.icon = icon if icon is not None else QSystemTrayIcon(self)
        self.icon.setParent(self)
        self.icon.setContextMenu(self.menu)
        # Screen areas a balloon or the icon's tooltip must leave free (the call bar).
        self.keep_clear: Callable[[], list[QRect]] = list
        self._icon_widgets: list[QWidget] = []
        self.look = TrayLook.IDLE
        # Background work worth a glance, by kind: sync progress, transcription progress.
        self.activities: dict[str, str] = {}
        self.policy = ""  # the policy in force, in words (see `policy_words`)
        self._paint_icons()
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._scheme_changed)
        self.show_state(None)

    def watch_tooltips(self) -> None:
        """Once the icon is shown: its tooltip is placed by us (off the call bar). Again at
        each change of state: a tray host that restarts gets a new icon widget."""
        for widget in _top_levels(ICON_WIDGET):
            if widget not in self._icon_widgets:
                widget.installEventFilter(self)
                self._icon_widgets.append(widget)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched in self._icon_widgets
            and isinstance(watched, QWidget)
            and event.type() is QEvent.Type.ToolTip
            and isinstance(event, QHelpEvent)
        ):
            QToolTip.showText(event.globalPos(), self.icon.toolTip(), watched)
            self.clear_popups()
            return True
        return super().eventFilter(watched, event)

    def clear_popups(self) -> None:
        """Move Qt's balloon and tooltip off the areas to keep clear."""
        areas = self.keep_clear()
        if areas:
            for popup in _visible(BALLOON) + _visible(TOOLTIP):
                move_clear_of(popup, areas)

    def _scheme_changed(self, _scheme: object) -> None:
        # After the Theme has applied the new palette (its slot may run after this one).
        QTimer.singleShot(0, self._paint_icons)

    def _paint_icons(self) -> None:
        """The icons in the colour scheme's colours (again when the scheme changes)."""
        palette = current_palette()
        for name, glyph in ACTION_GLYPHS.items():
            self.actions[name].setIcon(icons.icon(glyph, palette.text))
        self.icon.setIcon(icon(self.look))

    def show_state(self, session: CallSession | None) -> None:
        self.watch_tooltips()
        self.look = look_for(session)
        self.icon.setIcon(icon(self.look))
        self._show_tooltip()
        state = session.state if session else CallState.ENDED
        in_call = state is not CallState.ENDED
        enabled = {
            "start_call": not in_call,
            "ask_again": state in (CallState.AWAITING_RECONSENT, CallState.ASKING)
            or (state is CallState.BLOCKED and _fixable(session)),
            "mark_moment": in_call,
            "pause_resume": state in (CallState.RECORDING, CallState.CONSENTED, CallState.PAUSED),
            "participant_joined": state
            in (CallState.RECORDING, CallState.CONSENTED, CallState.PAUSED),
            "withdraw": state in CONSENT_HELD,
            "end_call": in_call,
            "show_call": in_call,
        }
        for name, on in enabled.items():
            self.actions[name].setEnabled(on)
        paused = state is CallState.PAUSED
        self.actions["pause_resume"].setText("Resume recording" if paused else "Pause recording")
        self.state_shown.emit(self.look.icon_name)

    @property
    def activity(self) -> str:
        return " | ".join(text for text in self.activities.values() if text)

    def set_activity(self, text: str, kind: str = "sync") -> None:
        self.activities[kind] = text
        self._show_tooltip()

    def set_policy(self, words: str) -> None:
        self.policy = words
        self._show_tooltip()

    def _show_tooltip(self) -> None:
        parts = [f"Rep Companion: {self.look.words}", self.policy, self.activity]
        self.icon.setToolTip(tooltip_text(" | ".join(part for part in parts if part)))

    def show_message(self, message: Message) -> None:
        """Messages wait their turn: a second one never hides the first."""
        self.recent.insert(0, message)
        del self.recent[RECENT_KEPT:]
        self._fill_recent()
        if message.context.get("urgent") == "yes":
            self.queue.insert(0, message)  # a call starting does not wait behind sync news
            interrupted = self.shown if self.showing.isActive() else None
            if interrupted is not None and interrupted.context.get("review"):
                self.queue.insert(1, interrupted)  # an offer to act comes back after it
            self._show_next()
            return
        self.queue.append(message)
        if not self.showing.isActive():
            self._show_next()

    def _show_next(self) -> None:
        if not self.queue:
            return
        message = self.queue.pop(0)
        self.shown = message  # what a click on the notification is about
        self.icon.showMessage(message.title, message.text, _TRAY_ICONS[message.level], SHOW_MS)
        self.clear_popups()
        offers = bool(message.context.get("review"))  # its whole turn: it is to be clicked
        self.showing.start(SHOW_MS if self.queue or offers else SHOW_MS // 2)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for message in self.recent:
            line = f"{message.title}: {message.text}" if message.text else message.title
            item = self.recent_menu.addAction(line if len(line) <= 90 else line[:89] + "…")
            item.setToolTip(tooltip_text(line))
            item.setEnabled(False)  # a record, not a command
        self.recent_menu.setEnabled(bool(self.recent))


def policy_words(active: ActivePolicy) -> str:
    """'policy 2026.12.1 (signed)', or why there is none: the tooltip's part about it."""
    policy = active.policy
    if policy is None:
        return "policy cannot be used: notes only"
    signed = " (signed)" if active.signed else ""
    off = ", recording switched off" if not policy.recording_enabled else ""
    return f"policy {policy.version}{signed}{off}"


def _top_levels(class_name: str) -> list[QWidget]:
    return [w for w in QApplication.topLevelWidgets() if w.metaObject().className() == class_name]


def _visible(class_name: str) -> list[QWidget]:
    return [w for w in _top_levels(class_name) if w.isVisible()]


def move_clear_of(popup: QWidget, areas: list[QRect]) -> None:
    """Below the area it covers (above, where the screen ends first); x is kept."""
    screen = popup.screen().availableGeometry()
    for area in areas:
        frame = popup.frameGeometry()
        if not frame.intersects(area):
            continue
        below = area.bottom() + 1 + CLEAR_GAP
        if below + frame.height() <= screen.bottom() + 1:
            popup.move(frame.x(), below)
        else:
            popup.move(frame.x(), area.top() - CLEAR_GAP - frame.height())


def _fixable(session: CallSession | None) -> bool:
    """Blocked by this computer (keyring, device, disk), not by the policy."""
    decision = session.decision if session else None
    return decision is not None and decision.retryable
