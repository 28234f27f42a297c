"""The call's own windows follow the call: the call window and the always-on-top bar
open with it and close when it ends (then the review opens). Tray left-click shows
or hides the call window; a closed one can always be brought back during the call."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QRect

from companion.app.calls.service import CallService
from companion.app.messages import MessageChannel
from companion.core.calls.session import CallSession, CallState
from companion.edges.settings import SettingsFile
from companion.ui.calls.call_bar import CallBar
from companion.ui.calls.call_window import CallWindow


class CallWindows(QObject):
    def __init__(
        self,
        calls: CallService,
        settings: SettingsFile,
        messages: MessageChannel,
        open_review: Callable[[str], object],
        bar_actions: tuple[Callable[[], object], Callable[[], object], Callable[[], object]],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._calls, self._settings, self._messages = calls, settings, messages
        self._open_review = open_review
        self._bar_actions = bar_actions  # mark, pause or resume, end
        self.window: CallWindow | None = None
        self.bar: CallBar | None = None

    def follow(self, session: CallSession | None) -> None:
        in_call = session is not None and session.state is not CallState.ENDED
        if session is not None and in_call and session.state is not CallState.PREPARING:
            if self.window is None:
                self._open()
            if self.bar is not None:  # the state word changes with the state, not a tick later
                self.bar.refresh()
        elif not in_call and self.window is not None:
            self._close()
            if session is not None:  # review right after the call, while it is fresh
                self._open_review(session.details.call_id)

    def areas(self) -> list[QRect]:
        """Where the call bar is on screen: notifications and tooltips keep off it."""
        bar = self.bar
        return [bar.frameGeometry()] if bar is not None and bar.isVisible() else []

    def toggle(self) -> None:
        """Tray left-click: the call window comes or goes (nothing when no call runs)."""
        if self.window is None:
            return
        if self.window.isVisible() and self.window.isActiveWindow():
            self.window.hide()
        else:
            self.bring_back()

    def bring_back(self) -> None:
        for widget in (self.window, self.bar):
            if widget is not None:
                widget.show()
                widget.raise_()
        if self.window is not None:
            self.window.activateWindow()

    def _open(self) -> None:
        active = self._calls.policy_in_use
        self.window = CallWindow(
            self._calls,
            active.policy if active else None,
            lambda what, error: self._messages.error(f"Could not {what}", str(error)),
        )
        self.window.show()
        mark, pause_or_resume, end = self._bar_actions
        self.bar = CallBar(self._calls, self._settings, mark, pause_or_resume, end)
        self.bar.show()

    def _close(self) -> None:
        window, self.window = self.window, None
        bar, self.bar = self.bar, None
        if window is not None:
            window.timer.stop()
            window.close()
            window.deleteLater()
        if bar is not None:
            bar.timer.stop()
            bar.close()
            bar.deleteLater()
