"""Reviewing a call: its moments (play from just before one), CRM fields, nuance.

The call is not marked ready to sync until the policy's required CRM fields are
filled and every automatic draft has been confirmed by the rep.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from companion.app.call_exports import CallExports
from companion.app.review.moments import MomentView
from companion.app.review.service import CallReview, ReviewService
from companion.core.errors import UserFacingError
from companion.core.policy.model import Policy
from companion.ui.call_export import CallExportBar
from companion.ui.call_window import clock_text
from companion.ui.text import plain_label

PLAY_LEAD_SECONDS = 5.0
AUTOSAVE_MS = 400  # after the last keystroke
Player = Callable[[float], None]  # plays the call from a second; raises if no audio


def moment_line(moment: MomentView) -> str:
    label = moment.tag_label or "Note"
    draft = "DRAFT (confirm)  " if moment.draft else ""
    return f"{clock_text(moment.offset_ms)}  {draft}{label}  {moment.note}".rstrip()


class ReviewWindow(QWidget):
    def __init__(
        self,
        review: ReviewService,
        call_id: str,
        policy: Policy | None,
        player: Player | None,
        exports: CallExports | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._review, self._call_id, self._player = review, call_id, player
        self._policy = policy
        self.exports = CallExportBar(exports, call_id) if exports else None
        self.setWindowTitle("Review call")
        self.resize(720, 720)
        self.heading = plain_label()
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
        self.confirm_button = QPushButton("Confirm draft")
        self.confirm_button.clicked.connect(self._confirm)
        self.crm: dict[str, QPlainTextEdit] = {}
        self.nuance = QPlainTextEdit()
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
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        if self.exports is not None:
            layout.addWidget(self.exports)
        layout.addWidget(
            plain_label("Moments (double-click or Enter: play from a few seconds before)")
        )
        layout.addWidget(self.moments)
        edit = QHBoxLayout()
        for widget in (
            self.tag,
            self.note,
            self.save_moment,
            self.confirm_button,
            self.delete_button,
        ):
            edit.addWidget(widget)
        layout.addLayout(edit)
        self.crm_form = QFormLayout()
        layout.addLayout(self.crm_form)
        layout.addWidget(plain_label("Human nuance (what the notes cannot say)"))
        layout.addWidget(self.nuance)
        layout.addWidget(self.status)
        layout.addWidget(self.ready_button)

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
        if not self.crm:
            for field in call.crm_fields:
                box = QPlainTextEdit()
                box.setFixedHeight(48)
                box.textChanged.connect(self._typed)
                self.crm[field.key] = box
                self.crm_form.addRow(
                    plain_label(field.label + (" *" if field.required else "")), box
                )
        for field in call.crm_fields:
            if field.key in self.crm:
                self.crm[field.key].setPlainText(field.text)
        self.nuance.setPlainText(call.human_nuance)
        self._show_readiness(call.ready_to_sync, call.missing)

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
            self.reload()

    def _confirm(self) -> None:
        moment = self._current()
        if moment is not None and self._guard(
            lambda: self._review.moments.confirm_draft(moment.id)
        ):
            self.reload()

    def save_fields(self) -> None:
        for key, box in self.crm.items():
            self._review.crm.set_crm_field(self._call_id, key, box.toPlainText())
        self._review.crm.set_human_nuance(self._call_id, self.nuance.toPlainText())

    def _mark_ready(self) -> None:
        if self._guard(self.save_fields) and self._guard(
            lambda: self._review.crm.mark_ready(self._call_id)
        ):
            self.reload()

    def _play_from(self, item: QListWidgetItem) -> None:
        moment: MomentView = item.data(Qt.ItemDataRole.UserRole)
        start = max(0.0, moment.offset_ms / 1000 - PLAY_LEAD_SECONDS)
        if self._player is None or not moment.had_audio:
            self.status.setText(f"No audio at {clock_text(moment.offset_ms)}: notes only.")
            return
        self._player(start)
        self.status.setText(f"Playing from {clock_text(int(start * 1000))}.")
