"""Reviewing a call: its timeline and moments (play from one), CRM fields, nuance.

The call is not marked ready to sync until the policy's required CRM fields are
filled and every automatic draft has been confirmed by the rep.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from PySide6.QtCore import Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from companion.app.library.exports import CallExports
from companion.app.library.search import AccessView
from companion.app.review.call_audio import CallAudio
from companion.app.review.moments import MomentView
from companion.app.review.service import CallReview, ReviewService
from companion.app.review.transcript_view import CallTranscripts
from companion.core.errors import UserFacingError
from companion.core.policy.model import Policy
from companion.ui.calls.call_window import clock_text
from companion.ui.look.text import plain_label
from companion.ui.review.call_export import CallExportBar
from companion.ui.review.crm_fields import CrmFieldsForm
from companion.ui.review.review_player import ReviewPlayer
from companion.ui.review.transcript_panel import TranscriptPanel

PLAY_LEAD_SECONDS = 5.0
AUTOSAVE_MS = 400  # after the last keystroke
DEFAULT_SIZE = (1180, 680)


def moment_line(moment: MomentView) -> str:
    label = moment.tag_label or "Note"
    draft = "DRAFT (confirm)  " if moment.draft else ""
    return f"{clock_text(moment.offset_ms)}  {draft}{label}  {moment.note}".rstrip()


class ReviewWindow(QWidget):
    marked_ready = Signal(str)  # call id: the tray syncs soon after

    def __init__(
        self,
        review: ReviewService,
        call_id: str,
        policy: Policy | None,
        audio: CallAudio | None,
        exports: CallExports | None = None,
        parent: QWidget | None = None,
        pool: QThreadPool | None = None,
        *,
        transcripts: CallTranscripts | None = None,
        report_draft: Callable[[str], object] | None = None,
        access: AccessView | None = None,
    ) -> None:
        super().__init__(parent)
        self._review, self._call_id = review, call_id
        self._transcripts, self._report_draft = transcripts, report_draft
        self.player = ReviewPlayer(audio, pool)
        self.player.moment_clicked.connect(self._marker_clicked)
        self._policy = policy
        self.exports = CallExportBar(exports, call_id) if exports else None
        self.setWindowTitle("Review call")
        self.resize(*DEFAULT_SIZE)  # fits a 1280x800 or 1366x768 laptop with its panels
        self.heading = plain_label()
        self.opened_by = _opened_by(access, call_id)
        self.moments = QListWidget()
        self.moments.itemActivated.connect(self._play_from)
        self.moments.currentItemChanged.connect(self._selected)
        self.note = QLineEdit()
        self.note.setAccessibleName("Note of the chosen moment")
        self.tag = QComboBox()
        self.tag.setAccessibleName("Tag of the chosen moment")
        self.tag.addItem("(no tag)", None)
        for key, tag in policy.tags.items() if policy else []:
            self.tag.addItem(tag.label, key)
        self.save_moment = QPushButton("Save moment")
        self.save_moment.clicked.connect(self._save_moment)
        self.delete_button = QPushButton("Delete moment")
        self.delete_button.clicked.connect(self._delete_moment)
        self.undo_button = QPushButton("Undo delete")  # the last deleted moment comes back
        self.undo_button.setShortcut(QKeySequence.StandardKey.Undo)
        self.undo_button.clicked.connect(self.undo_delete)
        self.undo_button.hide()
        self._deleted: MomentView | None = None
        self.confirm_button = QPushButton("Confirm draft")
        self.confirm_button.clicked.connect(self._confirm)
        self.report_button = QPushButton("Report a wrong draft")
        self.report_button.clicked.connect(self._report_moment)
        for draft_only in (self.confirm_button, self.report_button):
            draft_only.setEnabled(False)  # until a draft moment is chosen
        self.crm_fields = CrmFieldsForm()
        self.crm_fields.typed.connect(self._typed)
        self.crm_fields.confirm_requested.connect(self._confirm_crm)
        self.crm_fields.report_requested.connect(self._report)
        self.transcript = TranscriptPanel(self._playing_at)
        self.transcript.play_requested.connect(self._play_line)
        self.nuance = QPlainTextEdit()
        self.nuance.setFixedHeight(5 * self.nuance.fontMetrics().lineSpacing())
        self.status = plain_label()
        self.status.setWordWrap(True)
        self.ready_button = QPushButton("Save and mark ready to sync")
        self.ready_button.clicked.connect(self._mark_ready)
        # What the rep types is saved as they type (debounced) and on close: nothing in
        # the CRM fields or the nuance note waits for a button.
        self._loading = False
        self._editing: MomentView | None = None  # the moment whose note the field shows
        self.autosave = QTimer(self)
        self.autosave.setSingleShot(True)
        self.autosave.setInterval(AUTOSAVE_MS)
        self.autosave.timeout.connect(self._save_typed)
        self.nuance.textChanged.connect(self._typed)
        self._build()
        self.reload()

    def _build(self) -> None:
        """For a laptop screen: the call's moments beside its transcript, then what the
        rep writes (CRM fields, nuance, Save) below them, scrolling as Tab goes through."""
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.opened_by)
        if self.exports is not None:
            layout.addWidget(self.exports)
        layout.addWidget(self.player)
        moments = QWidget()
        left = QVBoxLayout(moments)
        left.setContentsMargins(0, 0, 0, 0)
        heading = plain_label("Moments (double-click or Enter: play from a few seconds before)")
        heading.setWordWrap(True)
        left.addWidget(heading)
        left.addWidget(self.moments, 1)
        chosen = QHBoxLayout()
        chosen.addWidget(self.tag)
        chosen.addWidget(self.note, 1)
        left.addLayout(chosen)
        actions = QHBoxLayout()
        for button in (
            self.save_moment,
            self.confirm_button,
            self.report_button,
            self.delete_button,
            self.undo_button,
        ):
            actions.addWidget(button)
        actions.addStretch(1)
        left.addLayout(actions)
        said = QWidget()
        right = QVBoxLayout(said)
        right.setContentsMargins(0, 0, 0, 0)
        right.addWidget(plain_label("Transcript"))
        right.addWidget(self.transcript, 1)
        call = QSplitter(Qt.Orientation.Horizontal)
        call.setChildrenCollapsible(False)
        call.addWidget(moments)
        call.addWidget(said)
        notes = QWidget()
        written = QVBoxLayout(notes)
        written.setContentsMargins(0, 0, 0, 0)
        written.addWidget(self.crm_fields)
        written.addWidget(plain_label("Human nuance (what the notes cannot say)"))
        written.addWidget(self.nuance)
        written.addWidget(self.status)
        written.addWidget(self.ready_button)
        self.notes_scroll = QScrollArea()
        self.notes_scroll.setWidget(notes)
        self.notes_scroll.setWidgetResizable(True)
        self.notes_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.notes_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        panes = QSplitter(Qt.Orientation.Vertical)
        panes.setChildrenCollapsible(False)
        panes.addWidget(call)
        panes.addWidget(self.notes_scroll)
        panes.setStretchFactor(0, 1)  # the call and the notes share the height
        panes.setStretchFactor(1, 1)
        layout.addWidget(panes, 1)

    def _typed(self) -> None:
        if not self._loading:
            self.autosave.start()

    def _save_typed(self) -> bool:
        self.autosave.stop()
        return self._guard(self.save_fields)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.autosave.isActive():
            self._save_typed()
        self._keep_note_edit()
        self.player.release()
        super().closeEvent(event)

    def reload(self) -> None:
        if self.autosave.isActive():  # typed but not saved yet: keep it before reloading
            self._save_typed()
        self._loading = True
        try:
            self._show(self._review.review(self._call_id))
        finally:
            self._loading = False

    def _show(self, call: CallReview) -> None:
        kind = self._policy.call_types.get(call.call_type) if self._policy else None
        self.setWindowTitle(f"Review: {call.account}")
        self.heading.setText(
            f"{call.account} · {kind.label if kind else call.call_type} · "
            f"{call.started_at:%Y-%m-%d %H:%M} · "
            f"{call.outcome}" + (f" ({call.outcome_reason})" if call.outcome_reason else "")
        )
        self.moments.clear()
        for moment in call.moments:
            item = QListWidgetItem(moment_line(moment))
            item.setData(Qt.ItemDataRole.UserRole, moment)
            self.moments.addItem(item)
        self.player.show_call(call)
        self.crm_fields.show_fields(call.crm_fields)
        if self._transcripts is not None:
            shown = self._transcripts.for_call(self._call_id, bool(call.recorded))
            self.transcript.show_transcript(shown)
        self.nuance.setPlainText(call.human_nuance)
        self._show_readiness(call.ready_to_sync, call.missing)
        self._reading_order()

    def _reading_order(self) -> None:
        """Tab reads the moments, then the transcript beside them, then the notes below."""

        def tabbable(area: QWidget) -> list[QWidget]:
            tab = Qt.FocusPolicy.TabFocus
            return [w for w in area.findChildren(QWidget) if w.focusPolicy() & tab]

        chain = [
            self.moments,
            self.tag,
            self.note,
            self.save_moment,
            self.confirm_button,
            self.report_button,
            self.delete_button,
            self.undo_button,
            *tabbable(self.transcript),
            *tabbable(self.crm_fields),
            self.nuance,
            self.ready_button,
        ]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    def _show_readiness(self, ready: bool, missing: list[str]) -> None:
        if ready:
            self.status.setText("Ready to sync.")
        elif missing:
            self.status.setText("Not ready to sync. Still to fill: " + ", ".join(missing))
        else:
            self.status.setText("Not marked ready to sync yet.")

    def _current(self) -> MomentView | None:
        item = self.moments.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def _selected(self) -> None:
        self._keep_note_edit()  # a note typed for the moment left behind is saved, not lost
        moment = self._current()
        self._editing = moment
        is_draft = moment is not None and moment.draft
        self.confirm_button.setEnabled(is_draft)
        self.report_button.setEnabled(is_draft)
        self.player.select_moment(moment.id if moment else None)
        if moment is not None:
            self.note.setText(moment.note)
            self.tag.setCurrentIndex(max(0, self.tag.findData(moment.tag)))

    def _keep_note_edit(self) -> None:
        edited, text = self._editing, self.note.text()
        if edited is not None and text != edited.note:
            self._editing = None
            self._guard(lambda: self._review.moments.edit_note(edited.id, text))

    def _guard(self, action: Callable[[], object]) -> bool:
        try:
            action()
        except UserFacingError as error:  # a refused step, or the store
            self.status.setText(str(error))
            return False
        return True

    def _save_moment(self) -> None:
        moment = self._current()
        if moment is None:
            return
        self._editing = None  # saved here, with its tag
        self._guard(lambda: self._review.moments.edit_note(moment.id, self.note.text()))
        self._guard(lambda: self._review.moments.retag(moment.id, self.tag.currentData()))
        self.reload()

    def _delete_moment(self) -> None:
        moment = self._current()
        self._editing = None  # its note goes with it
        if moment is not None and self._guard(
            lambda: self._review.moments.delete_moment(moment.id)
        ):
            self._deleted = moment
            self.reload()
            self.undo_button.show()
            self.status.setText(f"Moment at {clock_text(moment.offset_ms)} deleted.")

    def undo_delete(self) -> None:
        """The last deleted moment, back as it was (a new entry in the audit trail)."""
        moment, self._deleted = self._deleted, None
        self.undo_button.hide()
        if moment is not None and self._guard(
            lambda: self._review.moments.add_moment(
                self._call_id,
                moment.offset_ms,
                moment.note,
                moment.tag,
                draft=moment.draft,
                had_audio=moment.had_audio,
            )
        ):
            self.reload()
            self.status.setText(f"Moment at {clock_text(moment.offset_ms)} restored.")

    def _confirm(self) -> None:
        moment = self._current()
        if moment is not None and self._guard(
            lambda: self._review.moments.confirm_draft(moment.id)
        ):
            self.reload()

    @property
    def crm(self) -> dict[str, QPlainTextEdit]:
        """Each CRM field's text box, by key."""
        return {key: row.box for key, row in self.crm_fields.rows.items()}

    def _confirm_crm(self, key: str) -> None:
        if self._guard(self.save_fields) and self._guard(
            lambda: self._review.crm.confirm_crm_field(self._call_id, key)
        ):
            self.reload()

    def _report_moment(self) -> None:
        moment = self._current()
        if moment is not None:
            self._report(f"Moment at {clock_text(moment.offset_ms)}: {moment.note}")

    def _report(self, draft: str) -> None:
        if self._report_draft is not None:
            self._report_draft(f"Wrong draft in the review of call {self._call_id[:8]}:\n{draft}")

    def transcript_progress(self, text: str, finished: bool) -> None:
        """From the transcription job: progress, or reload when it is done."""
        if finished:
            self.reload()
            if self.exports is not None:
                self.exports.set_call(self._call_id)  # "Export transcript…" can go now
        else:
            self.transcript.show_progress(text)

    def _play_line(self, call_seconds: float) -> None:
        if not self.player.play_call_time(call_seconds):
            self.status.setText("No audio to play: notes only.")
            return
        self.status.setText(f"Playing from {clock_text(int(call_seconds * 1000))}.")

    def _playing_at(self) -> int | None:
        """The call time being played (ms), for the transcript's highlight."""
        playback = self.player.playback
        if playback is None or not playback.playing:
            return None
        return int(playback.call_position * 1000)

    def save_fields(self) -> None:
        for key, text in self.crm_fields.texts().items():
            self._review.crm.set_crm_field(self._call_id, key, text)
        self._review.crm.set_human_nuance(self._call_id, self.nuance.toPlainText())

    def _mark_ready(self) -> None:
        if self._guard(self.save_fields) and self._guard(
            lambda: self._review.crm.mark_ready(self._call_id)
        ):
            self.reload()
            self.marked_ready.emit(self._call_id)

    def _play_from(self, item: QListWidgetItem) -> None:
        self._play_moment(item.data(Qt.ItemDataRole.UserRole), PLAY_LEAD_SECONDS)

    def _marker_clicked(self, moment_id: int) -> None:
        """A marker on the timeline: its row is selected and the call plays from it."""
        for row in range(self.moments.count()):
            item = self.moments.item(row)
            if item.data(Qt.ItemDataRole.UserRole).id == moment_id:
                self.moments.setCurrentItem(item)
                self._play_moment(item.data(Qt.ItemDataRole.UserRole), 0.0)

    def _play_moment(self, moment: MomentView, lead_seconds: float) -> None:
        start = max(0.0, moment.offset_ms / 1000 - lead_seconds)
        if not moment.had_audio or not self.player.play_call_time(start):
            self.status.setText(f"No audio at {clock_text(moment.offset_ms)}: notes only.")
            return
        self.status.setText(f"Playing from {clock_text(int(start * 1000))}.")


def _opened_by(access: AccessView | None, call_id: str) -> QLabel:
    """Who in the organisation opened this call, from the receipts the last sync verified."""
    opened = access.by_call.get(call_id, []) if access else []
    warnings = " ".join(access.warnings) if access else ""
    waiting = [access.waiting] if access and access.waiting else []
    label = plain_label(
        "\n".join(opened + ([f"Warning: {warnings}"] if warnings else []) + waiting)
    )
    label.setWordWrap(True)
    label.setVisible(bool(opened or warnings or waiting))
    return label
