"""The review windows: one per call; each loads its call's audio in the background."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QWidget

from companion.app.compose import AppContext
from companion.app.library.search import access_view
from companion.app.review.call_audio import CallAudio
from companion.ui.calls.call_flow import CallFlow
from companion.ui.look.a11y import name_fields

if TYPE_CHECKING:  # loaded when the first review opens, not with the tray
    from companion.ui.review.review_window import ReviewWindow


class ReviewWindows:
    def __init__(
        self,
        context: AppContext,
        flow: CallFlow,
        windows: dict[str, QWidget],
        pool: QThreadPool,
        report_draft: Callable[[str], object],
        ready: Callable[[str], object] | None = None,  # a call was marked ready to sync
    ) -> None:
        self._context, self._flow, self._windows = context, flow, windows
        self._pool, self._report_draft, self._ready = pool, report_draft, ready

    def open(self, call_id: str) -> ReviewWindow:
        from companion.ui.review.review_window import ReviewWindow

        context = self._context
        policy = context.active_policy().policy
        window = ReviewWindow(
            context.review,
            call_id,
            policy,
            CallAudio(context.store, call_id, context.audio_keys.master_key),
            context.exports,
            pool=self._pool,
            transcripts=context.transcript_view,
            report_draft=self._report_draft,
            access=access_view(context.paths.data_dir, context.rep, policy),
        )
        if self._ready is not None:
            window.marked_ready.connect(self._ready)
        name_fields(window)  # its fields, by their labels
        self._windows[f"review:{call_id}"] = window
        window.show()  # its own tab order: moments, the transcript beside them, the notes
        window.raise_()
        return window

    def visible(self, call_id: str) -> ReviewWindow | None:
        window = self._windows.get(f"review:{call_id}")
        if window is None:  # none opened: the review module need not load to say so
            return None
        from companion.ui.review.review_window import ReviewWindow

        return window if isinstance(window, ReviewWindow) and window.isVisible() else None
