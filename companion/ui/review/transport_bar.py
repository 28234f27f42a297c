"""Play, pause, stop, and where playback is in the call ("01:05 / 03:20").

The bar polls the playback's position on a timer while it plays (PortAudio runs on
its own thread; nothing here waits for it) and says where it is with `moved`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QStyle, QWidget

from companion.core.errors import UserFacingError
from companion.ui.calls.call_window import clock_text
from companion.ui.look.text import plain_label

if TYPE_CHECKING:
    from companion.edges.audio.playback import CallPlayback

POLL_MS = 100


class TransportBar(QWidget):
    moved = Signal(int)  # where playback is, call ms
    wanted = Signal()  # Play, before the audio is loaded: load it, then play

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.playback: CallPlayback | None = None
        self.call_ms = 0
        self.offered = False  # the call has audio to play (loaded or not)
        icons = self.style().standardIcon
        pixmap = QStyle.StandardPixmap
        self.play_button = QPushButton(icons(pixmap.SP_MediaPlay), "Play")
        self.pause_button = QPushButton(icons(pixmap.SP_MediaPause), "Pause")
        self.stop_button = QPushButton(icons(pixmap.SP_MediaStop), "Stop")
        for button, name in (
            (self.play_button, "Play the call"),
            (self.pause_button, "Pause playback"),
            (self.stop_button, "Stop playback and go back to the start"),
        ):
            button.setAccessibleName(name)
            button.setToolTip(name)
        self.play_button.clicked.connect(self._play_clicked)
        self.pause_button.clicked.connect(self.pause)
        self.stop_button.clicked.connect(self.stop)
        self.position = plain_label("00:00 / 00:00")
        self.position.setAccessibleName("Playback position")
        self.status = plain_label()
        self.status.setWordWrap(True)
        self.legend = plain_label("Hatched: paused · Grey: not recorded")
        self.poll = QTimer(self)
        self.poll.setInterval(POLL_MS)
        self.poll.timeout.connect(self.refresh)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.play_button, self.pause_button, self.stop_button, self.position):
            layout.addWidget(widget)
        layout.addWidget(self.status, 1)
        layout.addWidget(self.legend)
        self.show_call(0, offered=False)

    def show_call(self, call_ms: int, offered: bool) -> None:
        self.call_ms, self.offered = call_ms, offered
        self.refresh()

    def _play_clicked(self) -> None:
        if self.playback is None:
            self.wanted.emit()
        else:
            self.play()

    def attach(self, playback: CallPlayback | None) -> None:
        """The call's audio, once loaded (None: released, or the call has none)."""
        if self.playback is not None and playback is not self.playback:
            self.playback.pause()
        self.playback = playback
        self.refresh()

    def say(self, text: str) -> None:
        self.status.setText(text)

    def play(self, call_seconds: float | None = None) -> bool:
        """Play from a second of the call, or from where playback stopped."""
        playback = self.playback
        if playback is None:
            return False
        try:
            if call_seconds is None:
                playback.play()
            else:
                playback.play_call_time(call_seconds)
        except UserFacingError as error:  # no output device, PortAudio missing
            self.say(str(error))
            return False
        self.say("")
        self.poll.start()
        self.refresh()
        return True

    def pause(self) -> None:
        if self.playback is not None:
            self.playback.pause()
        self.refresh()

    def stop(self) -> None:
        if self.playback is not None:
            self.playback.stop()
        self.refresh()

    def position_ms(self) -> int | None:
        playback = self.playback
        return None if playback is None else int(playback.call_position * 1000)

    def refresh(self) -> None:
        playing = self.playback is not None and self.playback.playing
        if not playing:
            self.poll.stop()  # at the end of the audio too
        self.play_button.setEnabled(self.offered and not playing)
        self.pause_button.setEnabled(playing)
        self.stop_button.setEnabled(self.playback is not None)
        at = self.position_ms()
        self.position.setText(f"{clock_text(at or 0)} / {clock_text(self.call_ms)}")
        if at is not None:
            self.moved.emit(at)
