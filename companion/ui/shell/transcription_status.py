"""Transcription progress on screen: the tray's tooltip and the call's review window.

The worker reports on its own thread; a signal hands each report to the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from companion.app.transcripts.worker import TranscriptionProgress, TranscriptionWorker
from companion.ui.shell.tray import TrayController

if TYPE_CHECKING:  # loaded when a review opens, not with the tray
    from companion.ui.review.review_window import ReviewWindow


def progress_words(progress: TranscriptionProgress) -> str:
    if progress.state == "running":
        return f"Transcribing a call: {progress.fraction:.0%}"
    if progress.state == "waiting":
        return f"Transcription waits: {progress.detail}"
    if progress.state == "failed":
        return f"A call was not transcribed: {progress.detail}"
    return ""  # done: nothing left to glance at


class TranscriptionStatus(QObject):
    reported = Signal(object)  # TranscriptionProgress, queued to the GUI thread

    def __init__(
        self,
        worker: TranscriptionWorker,
        tray: TrayController,
        review_for: Callable[[str], ReviewWindow | None],
    ) -> None:
        super().__init__(tray)
        self._tray, self._review_for = tray, review_for
        self.last: TranscriptionProgress | None = None
        self.reported.connect(self._show)
        worker.subscribe(self.reported.emit)

    def _show(self, progress: object) -> None:
        assert isinstance(progress, TranscriptionProgress)
        self.last = progress
        self._tray.set_activity(progress_words(progress), kind="transcription")
        window = self._review_for(progress.call_id)
        if window is not None:
            window.transcript_progress(
                progress_words(progress) or "Transcribed.", progress.state == "done"
            )
