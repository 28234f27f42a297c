"""The in-call window: time, both sides' levels, one key per tag, a quick note.

Marking must be as fast as a keystroke without looking away from the customer:
digits (or Ctrl+digit while typing a note) mark a tagged moment at once.
The window polls the call service on a timer; it never waits on audio or disk.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from companion.app.calls.service import CallService
from companion.core.calls.recorder import RecorderStatus
from companion.core.calls.session import CallSession, CallState
from companion.core.errors import UserFacingError
from companion.core.policy.model import Policy, Tag
from companion.ui.look.looks import look_for
from companion.ui.look.text import plain_label
from companion.ui.look.theme import SPACE_L, SPACE_M, SPACE_S, SPACE_XS, restyle

QUIET_WARNING_SECONDS = 30.0
METER_FLOOR_DBFS = -60
METER_LABEL_WIDTH = 72  # px
STATE_WORDS = {  # what the state means for the rep: recording or not, in so many words
    CallState.RECORDING: "● Recording",
    CallState.CONSENTED: "● Recording",
    CallState.PAUSED: "❚❚ Paused, not recording",
    CallState.ASKING: "Asking for consent, not recording yet",
    CallState.AWAITING_RECONSENT: "Asking again, not recording",
}


def clock_text(milliseconds: int) -> str:
    minutes, seconds = divmod(milliseconds // 1000, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes:02d}:{seconds:02d}"


class LevelMeter(QWidget):
    def __init__(self, label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        name = plain_label(label)
        name.setMinimumWidth(METER_LABEL_WIDTH)  # both bars start at the same x
        layout.addWidget(name)
        self.bar = QProgressBar()
        self.bar.setAccessibleName(f"{label}: sound level")
        self.bar.setRange(METER_FLOOR_DBFS, 0)
        self.bar.setTextVisible(False)
        layout.addWidget(self.bar)

    def show_level(self, dbfs: float) -> None:
        self.bar.setValue(int(max(METER_FLOOR_DBFS, min(0.0, dbfs))))


class CallWindow(QWidget):
    moment_marked = Signal(str)  # the line shown for the new moment

    def __init__(
        self,
        calls: CallService,
        policy: Policy | None,
        on_error: Callable[[str, Exception], object],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._calls = calls
        self._on_error = on_error
        current = calls.current
        self.setWindowTitle(f"Call with {current.details.account}" if current else "Call")
        self.elapsed = plain_label("00:00")
        self.elapsed.setProperty("role", "title")
        self.state = plain_label("")
        self.state.setProperty("look", look_for(current).icon_name)
        self.state.setWordWrap(True)
        self.mic_meter, self.far_meter = LevelMeter("You"), LevelMeter("Customer")
        self.audio_warning = plain_label("")
        self.audio_warning.setWordWrap(True)
        self.audio_warning.setVisible(False)  # shown only when there is something to say
        self.audio_warning.setProperty("role", "warning")
        self.note = QLineEdit()
        self.note.setPlaceholderText("Quick note, Enter to mark (digits tag while not typing)")
        self.note.setAccessibleName("Quick note")
        self.note.returnPressed.connect(lambda: self.mark(None))
        self.moments = QListWidget()
        self.moments.setAccessibleName("Moments marked in this call")
        self.moments.setWordWrap(True)  # a long note wraps; no sideways scrolling
        self.moments.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.pause_button = QPushButton("Pause")
        self.pause_button.clicked.connect(self._pause_or_resume)
        self.end_button = QPushButton("End call")
        self.end_button.clicked.connect(self._end)
        self.on_top = QCheckBox("Keep on top")
        self.on_top.toggled.connect(self._keep_on_top)
        self.tag_buttons: dict[str, QPushButton] = {}
        self._layout(self._tag_grid(policy))
        self.timer = QTimer(self)
        self.timer.setInterval(250)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        self.refresh()

    def _tag_grid(self, policy: Policy | None) -> QGridLayout:
        grid = QGridLayout()
        tags = _call_tags(policy, self._calls.current)
        for position, (key, tag) in enumerate(tags):
            shortcut = f" [{tag.shortcut}]" if tag.shortcut else ""
            button = QPushButton(tag.label + shortcut)
            # The policy's colour for the tag, as a stripe: the words stay the theme's.
            button.setStyleSheet(f"border-left: 6px solid {tag.color}; padding: {SPACE_XS}px;")
            button.clicked.connect(lambda _=False, k=key: self.mark(k))
            grid.addWidget(button, position // 2, position % 2)
            self.tag_buttons[key] = button
            if tag.shortcut:
                for sequence in (tag.shortcut, f"Ctrl+{tag.shortcut}"):
                    keys = QShortcut(QKeySequence(sequence), self)
                    keys.activated.connect(lambda k=key: self.mark(k))
        return grid

    def _layout(self, tags: QGridLayout) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(SPACE_L, SPACE_L, SPACE_L, SPACE_L)
        layout.setSpacing(SPACE_M)
        tags.setSpacing(SPACE_S)
        layout.addWidget(self.state)  # first and widest: recording or not
        top = QHBoxLayout()
        top.addWidget(plain_label("Call time"))
        top.addWidget(self.elapsed)
        top.addStretch()
        layout.addLayout(top)
        layout.addWidget(self.mic_meter)
        layout.addWidget(self.far_meter)
        layout.addWidget(self.audio_warning)
        layout.addLayout(tags)
        layout.addWidget(self.note)
        layout.addWidget(self.moments)
        buttons = QHBoxLayout()
        buttons.addWidget(self.pause_button)
        buttons.addWidget(self.end_button)
        buttons.addWidget(self.on_top)
        layout.addLayout(buttons)

    def mark(self, tag: str | None) -> str | None:
        """Save a moment now; returns the line shown for it (None if it failed)."""
        try:
            moment = self._calls.mark_moment(tag=tag, note=self.note.text())
        except UserFacingError as error:
            self._on_error("mark the moment", error)
            return None
        label = self.tag_buttons[tag].text().split(" [")[0] if tag in self.tag_buttons else "Note"
        line = f"{clock_text(moment.offset_ms)}  {label}  {moment.note}".rstrip()
        self.moments.addItem(line)
        if self._calls.unsaved.count:  # the disk refused it: kept, saved when there is room
            self.moments.item(self.moments.count() - 1).setText(line + "  (not saved yet)")
        self.moments.scrollToBottom()
        self.note.clear()
        self.moment_marked.emit(line)
        return line

    def refresh(self) -> None:
        session = self._calls.current
        if session is None:
            return
        started = session.started_at
        if started is not None and session.state is not CallState.ENDED:
            now = session.clock()
            self.elapsed.setText(clock_text(int((now - started).total_seconds() * 1000)))
        try:
            status = self._calls.tick()
        except UserFacingError as error:  # the timer's slot must not raise: tell the rep
            self._on_error("check the recording", error)
            return
        self._show_audio(status, session)
        words = session.state.value.replace("_", " ")
        shown = STATE_WORDS.get(session.state, words.capitalize())
        if session.notes_only:
            shown = f"Notes only ({words}), not recording"
        unsaved = self._calls.unsaved.count
        self.state.setText(shown + (f" · {unsaved} not saved yet (disk full)" if unsaved else ""))
        look = look_for(session).icon_name
        if self.state.property("look") != look:  # restyle on a change of state only
            self.state.setProperty("look", look)
            restyle(self.state)
        if not unsaved:
            for row in range(self.moments.count()):
                item = self.moments.item(row)
                item.setText(item.text().removesuffix("  (not saved yet)"))
        self.pause_button.setEnabled(
            session.state in (CallState.RECORDING, CallState.CONSENTED, CallState.PAUSED)
        )
        self.pause_button.setText("Resume" if session.state is CallState.PAUSED else "Pause")
        self.end_button.setEnabled(session.state is not CallState.ENDED)

    def _show_audio(self, status: RecorderStatus, session: CallSession) -> None:
        self.mic_meter.show_level(status.levels_dbfs[0])
        self.far_meter.show_level(status.levels_dbfs[1])
        state = session.state
        for meter in (self.mic_meter, self.far_meter):  # greyed: nothing is being listened to
            meter.setEnabled(state is CallState.RECORDING)
        if state is not CallState.RECORDING:
            last = session.transitions[-1].reason if state is CallState.STOPPED else ""
            reason = last.removeprefix("not recording: ")
            stopped = f"Not recording: {reason}" if reason else "Not recording."
            self._warn(stopped if state is CallState.STOPPED else "")
            return
        quiet = [
            name
            for name, seconds in zip(
                ("your microphone", "the customer's side"), status.quiet_for, strict=True
            )
            if seconds >= QUIET_WARNING_SECONDS
        ]
        warning = f"Nothing heard from {' or '.join(quiet)} for 30 s or more." if quiet else ""
        self._warn(warning)

    def _warn(self, text: str) -> None:
        self.audio_warning.setText(text)
        self.audio_warning.setVisible(bool(text))

    def _pause_or_resume(self) -> None:
        session = self._calls.current
        try:
            if session is not None and session.state is CallState.PAUSED:
                self._calls.resume()
            else:
                self._calls.pause()
        except UserFacingError as error:
            self._on_error("pause or resume", error)
        self.refresh()

    def _end(self) -> None:
        try:
            self._calls.end_call()
        except UserFacingError as error:
            self._on_error("end the call", error)

    def _keep_on_top(self, on: bool) -> None:
        self.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint, on)
        self.show()


def _call_tags(policy: Policy | None, session: CallSession | None) -> list[tuple[str, Tag]]:
    """The call type's tags, in its order (all the policy's when the type lists none)."""
    if policy is None:
        return []
    kind = policy.call_types.get(session.details.call_type) if session else None
    if kind is None or not kind.tags:
        return list(policy.tags.items())
    return [(key, policy.tags[key]) for key in kind.tags if key in policy.tags]
