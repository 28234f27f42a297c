"""The review windows: one per call, each with its player, loaded on first play."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QWidget

from companion.app.audio_export import open_playback
from companion.app.compose import AppContext
from companion.ui.call_flow import CallFlow
from companion.ui.review_window import ReviewWindow


class ReviewWindows:
    def __init__(
        self,
        context: AppContext,
        flow: CallFlow,
        windows: dict[str, QWidget],
        report_draft: Callable[[str], object],
    ) -> None:
        self._context, self._flow, self._windows = context, flow, windows
        self._report_draft = report_draft
        self.players: dict[str, Any] = {}  # CallPlayback by call id

    def open(self, call_id: str) -> ReviewWindow:
        context = self._context
        window = ReviewWindow(
            context.review,
            call_id,
            context.active_policy().policy,
            lambda call_seconds: self._play(call_id, call_seconds),
            context.exports,
            transcripts=context.transcript_view,
            position=lambda: self._position(call_id),
            report_draft=self._report_draft,
        )
        self._windows[f"review:{call_id}"] = window
        window.show()
        window.raise_()
        return window

    def visible(self, call_id: str) -> ReviewWindow | None:
        window = self._windows.get(f"review:{call_id}")
        return window if isinstance(window, ReviewWindow) and window.isVisible() else None

    def _play(self, call_id: str, call_seconds: float) -> None:
        context = self._context

        def start() -> None:
            player = self.players.get(call_id)
            if player is None:
                player = open_playback(context.store, call_id, context.audio_keys.master_key)
                self.players[call_id] = player
            player.play_call_time(call_seconds)

        self._flow.run_safely("play the call", start)

    def _position(self, call_id: str) -> int | None:
        """The call time being played, for the transcript's highlight."""
        player = self.players.get(call_id)
        return player.call_position_ms() if player is not None and player.playing else None
