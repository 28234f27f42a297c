"""Small truths a rep meets every day: no promise of a transcript that will never come,
a column that says the audio's future, and a deleted moment that can come back."""

from __future__ import annotations

from PySide6.QtCore import Qt

from companion.app.calls.service import CallRequest
from companion.app.review.transcript_view import NEVER
from companion.ui.library.library_table import COLUMNS
from companion.ui.shell.app import TrayApp


def test_declined_call_says_no_transcript_and_a_deleted_moment_can_be_undone(qtbot, make_context):
    context = make_context()
    app = TrayApp(context, lambda: None)
    calls = context.calls
    calls.start_call(CallRequest("Acme", "discovery", "DE"))
    calls.mark_decline()
    calls.mark_moment(tag="pain_point", note="exports are slow")
    call_id = calls.current.details.call_id
    calls.end_call()
    review = app.windows[f"review:{call_id}"]
    assert review.transcript.status.text() == NEVER  # never "No transcript yet"
    review.moments.setCurrentRow(0)
    qtbot.mouseClick(review.delete_button, Qt.MouseButton.LeftButton)
    assert review.moments.count() == 0 and review.undo_button.isVisibleTo(review)
    qtbot.mouseClick(review.undo_button, Qt.MouseButton.LeftButton)
    (moment,) = context.review.moments.for_call(call_id)
    assert (moment.tag, moment.note, moment.offset_ms >= 0) == (
        "pain_point",
        "exports are slow",
        True,
    )
    assert review.moments.count() == 1 and not review.undo_button.isVisibleTo(review)
    assert "Audio kept until" in COLUMNS and "Deleted on" not in COLUMNS
    for window in app.windows.values():
        window.close()
    app.tray.icon.hide()
