"""The whole call on one line: recorded stretches, pauses, gaps, each side's level, moments.

Clicking a moment's marker asks to play from that moment (`moment_clicked`), clicking
anywhere else asks to play from that point of the call (`seek_requested`); Left/Right
step five seconds, Home goes to the start. The widget only shows and asks: the review
decides what plays.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import QToolTip, QWidget

from companion.app.review.moments import NO_TAG_COLOR, MomentView
from companion.ui.calls.call_window import clock_text

if TYPE_CHECKING:
    from companion.edges.audio.envelope import LevelEnvelope

LABEL_WIDTH = 72  # "Customer" fits
RIGHT_MARGIN = 10
MARKER_LANE = 16
LANE_HEIGHT = 34
LANE_GAP = 3
AXIS_HEIGHT = 16
MARKER_HIT = 6  # pixels either side of a marker that still pick it
KEY_STEP_MS = 5_000
TICK_STEPS_S = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600)
MIN_TICK_GAP = 64
SIDES = ("Rep", "Customer")  # left channel: the microphone; right: the far end


@dataclass(frozen=True)
class TimelineColours:
    """Every colour the timeline draws, from the palette: the one place to theme it."""

    recorded: QColor
    paused: QColor
    not_recorded: QColor
    rep: QColor
    customer: QColor
    playhead: QColor
    text: QColor
    selection: QColor

    @classmethod
    def from_palette(cls, palette: QPalette) -> TimelineColours:
        role = QPalette.ColorRole
        highlight = palette.color(role.Highlight)

        def side(hue_turn: int) -> QColor:
            # Softer than the tags' colours, so a moment's marker stands out over the wave.
            hue = (max(highlight.hue(), 0) + hue_turn) % 360
            return QColor.fromHsv(hue, highlight.saturation() * 3 // 5, highlight.value())

        return cls(
            recorded=palette.color(role.Base),
            paused=palette.color(role.Mid),
            not_recorded=blend(palette.color(role.Window), palette.color(role.Mid), 0.35),
            rep=side(0),
            customer=side(-50),
            playhead=palette.color(role.Text),
            text=palette.color(role.WindowText),
            selection=palette.color(role.Highlight),
        )


def blend(base: QColor, other: QColor, share: float) -> QColor:
    """`share` of `other` over `base`: a tone between two palette colours."""

    def part(a: int, b: int) -> int:
        return round(a * (1 - share) + b * share)

    return QColor(
        part(base.red(), other.red()),
        part(base.green(), other.green()),
        part(base.blue(), other.blue()),
    )


def tick_step_seconds(call_ms: int, width: int) -> int:
    """The smallest round step that keeps time labels MIN_TICK_GAP pixels apart."""
    for step in TICK_STEPS_S:
        if step * 1000 * width >= MIN_TICK_GAP * max(call_ms, 1):
            return step
    return TICK_STEPS_S[-1]


class CallTimeline(QWidget):
    seek_requested = Signal(int)  # call ms
    moment_clicked = Signal(int)  # moment id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.call_ms = 0
        self.recorded: list[tuple[int, int]] = []
        self.moments: list[MomentView] = []
        self.envelope: LevelEnvelope | None = None
        self.position_ms: int | None = None
        self.selected: int | None = None  # moment id
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName("Call timeline")
        self.setAccessibleDescription(
            "Click to play from a point of the call; Left and Right step five seconds"
        )
        self.setFixedHeight(MARKER_LANE + 2 * LANE_HEIGHT + LANE_GAP + AXIS_HEIGHT + 4)
        self.setMinimumWidth(LABEL_WIDTH + 200)
        self.setMouseTracking(True)

    # -- what to show ----------------------------------------------------------------
    def show_call(
        self, call_ms: int, recorded: list[tuple[int, int]], moments: list[MomentView]
    ) -> None:
        self.call_ms, self.recorded, self.moments = max(call_ms, 1), recorded, moments
        if self.selected not in {m.id for m in moments}:
            self.selected = None
        self.update()

    def show_envelope(self, envelope: LevelEnvelope | None) -> None:
        self.envelope = envelope
        self.update()

    def show_position(self, call_ms: int | None) -> None:
        if call_ms != self.position_ms:
            self.position_ms = call_ms
            self.update()

    def select_moment(self, moment_id: int | None) -> None:
        if moment_id != self.selected:
            self.selected = moment_id
            self.update()

    # -- geometry --------------------------------------------------------------------
    def track(self) -> QRect:
        """Where the call's time runs: x is time, y spans both sides' lanes."""
        height = 2 * LANE_HEIGHT + LANE_GAP
        right = self.width() - RIGHT_MARGIN
        return QRect(LABEL_WIDTH, MARKER_LANE, max(1, right - LABEL_WIDTH), height)

    def x_at(self, call_ms: int) -> int:
        track = self.track()
        return track.left() + round(
            track.width() * min(max(call_ms, 0), self.call_ms) / self.call_ms
        )

    def ms_at(self, x: int) -> int:
        track = self.track()
        share = min(max(x - track.left(), 0), track.width()) / track.width()
        return round(share * self.call_ms)

    def marker_point(self, moment_id: int) -> QPoint:
        """Where a moment's marker is drawn (its flag, in the marker lane)."""
        moment = next(m for m in self.moments if m.id == moment_id)
        return QPoint(self.x_at(moment.offset_ms), MARKER_LANE // 2)

    def moment_near(self, x: int) -> MomentView | None:
        near = [(abs(self.x_at(m.offset_ms) - x), m) for m in self.moments]
        near = [(d, m) for d, m in near if d <= MARKER_HIT]
        return min(near, key=lambda pair: pair[0])[1] if near else None

    def stretch_at(self, call_ms: int) -> str:
        """What the call was doing then, in the rep's words."""
        for offset, length in self.recorded:
            if offset <= call_ms < offset + length:
                return "Recorded"
        first = self.recorded[0][0] if self.recorded else self.call_ms
        last = self.recorded[-1][0] + self.recorded[-1][1] if self.recorded else 0
        return "Paused" if first <= call_ms < last else "Not recorded"

    # -- input -------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        x = int(event.position().x())
        moment = self.moment_near(x)
        if moment is not None:
            self.select_moment(moment.id)
            self.moment_clicked.emit(moment.id)
        elif x >= self.track().left() - MARKER_HIT:
            self.seek_requested.emit(self.ms_at(x))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        over_marker = self.moment_near(int(event.position().x())) is not None
        shape = Qt.CursorShape.PointingHandCursor if over_marker else Qt.CursorShape.ArrowCursor
        self.setCursor(shape)
        super().mouseMoveEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        at = self.position_ms or 0
        steps = {Qt.Key.Key_Left: at - KEY_STEP_MS, Qt.Key.Key_Right: at + KEY_STEP_MS}
        steps[Qt.Key.Key_Home] = 0
        key = Qt.Key(event.key())
        if key in steps:
            self.seek_requested.emit(min(max(steps[key], 0), self.call_ms))
        else:
            super().keyPressEvent(event)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            QToolTip.showText(event.globalPos(), self.tip_at(event.pos().x()), self)
            return True
        return super().event(event)

    def tip_at(self, x: int) -> str:
        from companion.ui.look.text import tooltip_text

        moment = self.moment_near(x)
        if moment is not None:
            label = moment.tag_label or "Note"
            return tooltip_text(f"{clock_text(moment.offset_ms)}  {label}  {moment.note}".strip())
        at = self.ms_at(x)
        return f"{clock_text(at)}  {self.stretch_at(at)}"

    # -- drawing -----------------------------------------------------------------------
    def paintEvent(self, _event: QPaintEvent) -> None:
        colours = TimelineColours.from_palette(self.palette())
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        self._paint_stretches(painter, colours)
        self._paint_levels(painter, colours)
        self._paint_labels(painter, colours)
        self._paint_axis(painter, colours)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        self._paint_markers(painter, colours)
        self._paint_playhead(painter, colours)
        if self.hasFocus():
            painter.setPen(QPen(colours.selection, 1, Qt.PenStyle.DotLine))
            painter.drawRect(self.rect().adjusted(0, 0, -1, -1))
        painter.end()

    def _lanes(self) -> list[QRect]:
        track = self.track()
        rep = QRect(track.left(), track.top(), track.width(), LANE_HEIGHT)
        return [rep, rep.translated(0, LANE_HEIGHT + LANE_GAP)]

    def _paint_stretches(self, painter: QPainter, colours: TimelineColours) -> None:
        track = self.track()
        painter.fillRect(track, colours.not_recorded)
        if self.recorded:
            first = self.x_at(self.recorded[0][0])
            last = self.x_at(self.recorded[-1][0] + self.recorded[-1][1])
            gap = QRect(first, track.top(), last - first, track.height())
            painter.fillRect(gap, colours.recorded)
            painter.fillRect(gap, QBrush(colours.paused, Qt.BrushStyle.BDiagPattern))
        for offset, length in self.recorded:
            left, right = self.x_at(offset), self.x_at(offset + length)
            painter.fillRect(
                QRect(left, track.top(), max(1, right - left), track.height()), colours.recorded
            )

    def _paint_levels(self, painter: QPainter, colours: TimelineColours) -> None:
        if self.envelope is None:
            return
        track = self.track()
        columns = self.envelope.columns(track.width())
        scale = self.envelope.call_ms / self.call_ms  # the envelope may end before the call
        for side, (lane, colour) in enumerate(
            zip(self._lanes(), (colours.rep, colours.customer), strict=True)
        ):
            painter.setPen(QPen(colour, 1))
            middle, half = lane.center().y(), lane.height() / 2 - 2
            for column, level in enumerate(columns[:, side]):
                if level < 0:
                    continue
                x = lane.left() + round(column * scale)
                size = max(1, round(half * float(level) ** 0.5))  # sqrt: quiet speech shows
                painter.drawLine(x, middle - size, x, middle + size)

    def _paint_labels(self, painter: QPainter, colours: TimelineColours) -> None:
        painter.setPen(colours.text)
        for name, lane in zip(SIDES, self._lanes(), strict=True):
            box = QRect(0, lane.top(), LABEL_WIDTH - 8, lane.height())
            painter.drawText(box, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, name)

    def _paint_axis(self, painter: QPainter, colours: TimelineColours) -> None:
        track = self.track()
        step_ms = tick_step_seconds(self.call_ms, track.width()) * 1000
        top = track.bottom() + 1
        painter.setPen(colours.text)
        for at in range(0, self.call_ms + 1, step_ms):
            x = self.x_at(at)
            painter.drawLine(x, top, x, top + 3)
            box = QRect(x - 40, top + 2, 80, AXIS_HEIGHT)
            if x + 56 < track.right() or at == 0:  # clear of the call's length, at the end
                painter.drawText(box, Qt.AlignmentFlag.AlignHCenter, clock_text(at))
        end = QRect(track.right() - 80, top + 2, 80 + RIGHT_MARGIN, AXIS_HEIGHT)
        painter.drawText(end, Qt.AlignmentFlag.AlignRight, clock_text(self.call_ms))

    def _paint_markers(self, painter: QPainter, colours: TimelineColours) -> None:
        track = self.track()
        ordered = sorted(self.moments, key=lambda m: m.id == self.selected)  # selected on top
        for moment in ordered:
            colour = QColor(moment.tag_color or NO_TAG_COLOR)
            chosen = moment.id == self.selected
            x = self.x_at(moment.offset_ms)
            painter.setPen(QPen(colour, 3 if chosen else 1.5))
            painter.drawLine(x, track.top(), x, track.bottom())
            size = 7 if chosen else 5
            flag = QPolygonF(
                [QPointF(x - size, 1), QPointF(x + size, 1), QPointF(x, MARKER_LANE - 1)]
            )
            painter.setPen(
                QPen(colours.selection if chosen else colour.darker(130), 2 if chosen else 1)
            )
            painter.setBrush(QBrush(colour) if not moment.draft else QBrush())
            painter.drawPolygon(flag)
        painter.setBrush(QBrush())

    def _paint_playhead(self, painter: QPainter, colours: TimelineColours) -> None:
        if self.position_ms is None:
            return
        track = self.track()
        x = self.x_at(self.position_ms)
        painter.setPen(QPen(colours.playhead, 2))
        painter.drawLine(x, track.top() - 2, x, track.bottom() + 2)
