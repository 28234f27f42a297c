"""The review's player: the call's timeline above its transport, and loading its audio.

Both loads run off the GUI thread: the level envelope when the panel is shown, the
playback when the rep first plays (a request to play waits for it, then plays). The
window lets both go when it closes: nothing decrypted outlives it, nor is written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QThreadPool, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget

from companion.app.review.call_audio import CallAudio
from companion.app.review.service import CallReview
from companion.core.errors import UserFacingError
from companion.ui.background import run_in_background
from companion.ui.review.call_timeline import CallTimeline
from companion.ui.review.transport_bar import TransportBar

if TYPE_CHECKING:
    from companion.edges.audio.envelope import LevelEnvelope
    from companion.edges.audio.playback import CallPlayback

FROM_WHERE_IT_STOPPED = -1.0


class ReviewPlayer(QWidget):
    moment_clicked = Signal(int)  # a marker on the timeline: the moment's id
    envelope_ready = Signal()
    playback_ready = Signal()

    def __init__(
        self,
        audio: CallAudio | None,
        pool: QThreadPool | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._audio = audio
        self._pool = pool or QThreadPool(self)
        self.playback: CallPlayback | None = None
        self._call_ms = 0
        self._recorded = False
        self._loading: set[str] = set()  # "envelope", "playback": under way
        self._ticket = 0  # counts releases: a result from before one is stale
        self._pending: float | None = None  # call seconds to play once loaded
        self.timeline = CallTimeline()
        self.transport = TransportBar()
        self.timeline.seek_requested.connect(lambda ms: self.play_call_time(ms / 1000))
        self.timeline.moment_clicked.connect(self.moment_clicked)
        self.transport.moved.connect(self.timeline.show_position)
        self.transport.wanted.connect(lambda: self.play_call_time(FROM_WHERE_IT_STOPPED))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.timeline)
        layout.addWidget(self.transport)

    @property
    def can_play(self) -> bool:
        return self._audio is not None and self._recorded

    def show_call(self, call: CallReview) -> None:
        self._call_ms, self._recorded = call.call_ms, bool(call.recorded)
        self.timeline.show_call(call.call_ms, call.recorded, call.moments)
        self.transport.show_call(call.call_ms, self.can_play)
        if not self._recorded:
            self.transport.say("No audio: notes only.")
        elif self.isVisible():
            self.measure()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.measure()

    def measure(self) -> None:
        """Draw each side's level: measured once, in the background."""
        audio, call_ms = self._audio, self._call_ms
        if audio is None or not self.can_play or self.timeline.envelope is not None:
            return
        self._start("envelope", lambda: audio.envelope(call_ms), self._measured)

    def play_call_time(self, call_seconds: float) -> bool:
        """Play from a second of the call; False when the call has no audio to play."""
        start = None if call_seconds == FROM_WHERE_IT_STOPPED else call_seconds
        if self.playback is not None:
            return self.transport.play(start)
        audio = self._audio
        if audio is None or not self.can_play:
            return False
        self._pending = call_seconds
        if start is not None:
            self.timeline.show_position(int(start * 1000))
        self.transport.say("Loading the audio…")
        self._start("playback", audio.playback, self._opened)
        return True

    def select_moment(self, moment_id: int | None) -> None:
        self.timeline.select_moment(moment_id)

    def release(self) -> None:
        """Stop playing and let the decrypted audio go (the review window closed)."""
        self.transport.attach(None)
        self.timeline.show_envelope(None)
        self.timeline.show_position(None)
        self.playback, self._pending = None, None
        self._loading.clear()
        self._ticket += 1

    # -- the loads -------------------------------------------------------------------
    def _start(self, what: str, work: Callable[[], object], done: Callable[[object], None]) -> None:
        if what in self._loading:
            return
        self._loading.add(what)
        ticket = self._ticket

        def finished(result: object) -> None:
            if ticket == self._ticket:  # not released meanwhile
                self._loading.discard(what)
                done(result)

        def failed(error: BaseException) -> None:
            if ticket == self._ticket:
                self._loading.discard(what)
                shown = str(error) if isinstance(error, UserFacingError) else "see the log"
                self.transport.say(f"The audio cannot be played: {shown}")

        run_in_background(self._pool, work, finished, failed, self)

    def _measured(self, envelope: object) -> None:
        self.timeline.show_envelope(cast("LevelEnvelope", envelope))
        self.envelope_ready.emit()

    def _opened(self, playback: object) -> None:
        self.playback = cast("CallPlayback", playback)
        self.transport.attach(self.playback)
        self.transport.say("")
        pending, self._pending = self._pending, None
        if pending is not None:
            self.transport.play(None if pending == FROM_WHERE_IT_STOPPED else pending)
        self.playback_ready.emit()
