"""The review's player: the call's timeline above its transport, and loading its audio.

The audio (decrypted playback and level envelope) loads off the GUI thread when the
panel is shown and is let go when the review closes: nothing decrypted outlives the
window, nor is written anywhere. A request to play before it has loaded plays once
it has.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QThreadPool, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget

from companion.app.review.call_audio import CallAudio
from companion.app.review.service import CallReview
from companion.core.errors import UserFacingError
from companion.ui.background import run_in_background
from companion.ui.call_timeline import CallTimeline
from companion.ui.transport_bar import TransportBar

AudioLoader = Callable[[int], CallAudio]  # the call's length in ms -> its audio (slow)


class ReviewPlayer(QWidget):
    moment_clicked = Signal(int)  # a marker on the timeline: the moment's id
    audio_ready = Signal()

    def __init__(
        self,
        loader: AudioLoader | None,
        pool: QThreadPool | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._loader = loader
        self._pool = pool or QThreadPool(self)
        self.audio: CallAudio | None = None
        self._call_ms = 0
        self._recorded = False
        self._loading = False
        self._ticket = 0  # counts loads: a result for an older ticket is stale
        self._pending: float | None = None  # call seconds to play once loaded
        self.timeline = CallTimeline()
        self.transport = TransportBar()
        self.timeline.seek_requested.connect(lambda ms: self.play_call_time(ms / 1000))
        self.timeline.moment_clicked.connect(self.moment_clicked)
        self.transport.moved.connect(self.timeline.show_position)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.timeline)
        layout.addWidget(self.transport)

    def show_call(self, call: CallReview) -> None:
        self._call_ms, self._recorded = call.call_ms, bool(call.recorded)
        self.timeline.show_call(call.call_ms, call.recorded, call.moments)
        self.transport.show_call(call.call_ms)
        if not self._recorded:
            self.transport.say("No audio: notes only.")
        elif self.isVisible():
            self.load()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.load()

    def load(self) -> None:
        """Decrypt and measure the call's audio in the background, once."""
        if self._loader is None or not self._recorded or self.audio or self._loading:
            return
        loader, call_ms = self._loader, self._call_ms
        self._loading, self._ticket = True, self._ticket + 1
        ticket = self._ticket
        self.transport.say("Loading the audio…")
        run_in_background(
            self._pool,
            lambda: loader(call_ms),
            lambda audio: self._loaded(ticket, audio),
            lambda error: self._failed(ticket, error),
            self,
        )

    def _loaded(self, ticket: int, audio: object) -> None:
        if ticket != self._ticket or not isinstance(audio, CallAudio):
            return  # released meanwhile
        self._loading = False
        self.audio = audio
        self.timeline.show_envelope(audio.envelope)
        self.transport.attach(audio.playback)
        self.transport.say("")
        pending, self._pending = self._pending, None
        if pending is not None:
            self.transport.play(pending)
        self.audio_ready.emit()

    def _failed(self, ticket: int, error: BaseException) -> None:
        if ticket != self._ticket:
            return
        self._loading = False
        shown = str(error) if isinstance(error, UserFacingError) else "see the log"
        self.transport.say(f"The audio cannot be played: {shown}")

    def play_call_time(self, call_seconds: float) -> bool:
        """Play from a second of the call; False when the call has no audio to play."""
        if self.audio is not None:
            return self.transport.play(call_seconds)
        if self._loader is None or not self._recorded:
            return False
        self._pending = call_seconds
        self.timeline.show_position(int(call_seconds * 1000))
        self.load()
        return True

    def select_moment(self, moment_id: int | None) -> None:
        self.timeline.select_moment(moment_id)

    def release(self) -> None:
        """Stop playing and let the decrypted audio go (the review window closed)."""
        self.transport.attach(None)
        self.timeline.show_envelope(None)
        self.audio, self._loading, self._pending = None, False, None
        self._ticket += 1
