"""The transcript and its drafts in the review window, as a rep uses them."""

from __future__ import annotations

import pytest
from peers.sounds import FAR_END, MIC, play, speech
from PySide6.QtCore import Qt

from companion.app.calls.service import CallRequest
from companion.ui.review.concern_dialog import ConcernDialog
from companion.ui.shell.app import TrayApp

pytestmark = pytest.mark.usefixtures("secret_service", "pulse_testbed")


@pytest.fixture
def app(qtbot, companion_home, make_context):
    tray_app = TrayApp(make_context(real_audio=True), lambda: None)
    yield tray_app
    for window in list(tray_app.windows.values()):
        window.close()
    tray_app.tray.icon.hide()


def recorded_call(app, folder) -> str:
    calls = app.context.calls
    calls.start_call(CallRequest("Acme", "demo", "US"))
    calls.mark_consent()
    play(MIC, speech(folder, "thanks for joining the call today"))
    play(FAR_END, speech(folder, "honestly this is too expensive for us"))
    play(MIC, speech(folder, "i will send you the proposal on friday"))
    call_id = calls.current.details.call_id
    calls.end_call()
    return call_id


def test_the_transcript_arrives_in_the_open_review_with_drafts_to_decide(qtbot, app, tmp_path):
    call_id = recorded_call(app, tmp_path)
    review = app.windows[f"review:{call_id}"]
    assert review.transcript.status.text().startswith("No transcript yet")
    tooltips: list[str] = []  # connected after the status's own slot: sees what it set
    app.transcription.reported.connect(lambda _p: tooltips.append(app.tray.icon.toolTip()))
    app.context.transcription.run_pending()  # what the worker thread does after the call
    assert any("Transcribing a call: " in tip and "%" in tip for tip in tooltips), tooltips
    qtbot.waitUntil(lambda: review.transcript.lines.count() >= 3)
    shown = [review.transcript.lines.item(i).text() for i in range(review.transcript.lines.count())]
    assert "Rep" in shown[0] and "Customer" in shown[1] and "Rep" in shown[2]
    assert review.transcript.status.text().startswith("Machine transcript (faster-whisper")
    assert "Transcribing" not in app.tray.activity  # done: nothing left in the tooltip
    assert review.exports.transcript_button.isEnabled()
    out = tmp_path / "call.vtt"
    assert review.exports.export_transcript_to(out, "vtt")
    assert "<v Customer>" in out.read_text(encoding="utf-8")

    moments = [review.moments.item(i).text() for i in range(review.moments.count())]
    assert any("DRAFT" in m and "Objection" in m for m in moments), (moments, shown)
    drafted = [r for r in review.crm_fields.rows.values() if r.confirm.isVisibleTo(review)]
    assert drafted and all(r.box.toPlainText().startswith("- ") for r in drafted)

    # A draft blocks "ready to sync" until the rep decides.
    for key, row in review.crm_fields.rows.items():
        if not row.box.toPlainText():
            row.box.setPlainText(f"{key}: by hand")
    review.ready_button.click()
    assert "automatic draft" in review.status.text() or "Still to fill" in review.status.text()
    for key in list(review.crm_fields.rows):
        row = review.crm_fields.rows[key]
        if row.confirm.isVisibleTo(review):
            row.confirm.click()
    assert not any(r.confirm.isVisibleTo(review) for r in drafted)
    draft_row = next(i for i, m in enumerate(moments) if "DRAFT" in m)
    review.moments.setCurrentRow(draft_row)
    assert review.report_button.isEnabled()
    review.delete_button.click()
    review.ready_button.click()
    assert review.status.text() == "Ready to sync."


def test_clicking_a_line_plays_it_and_the_line_playing_is_highlighted(qtbot, app, tmp_path):
    call_id = recorded_call(app, tmp_path)
    app.context.transcription.run_pending()
    review = app.windows[f"review:{call_id}"]
    qtbot.waitUntil(lambda: review.transcript.lines.count() >= 3)
    last = review.transcript.lines.count() - 1
    item = review.transcript.lines.item(last)
    rect = review.transcript.lines.visualItemRect(item)
    qtbot.mouseClick(
        review.transcript.lines.viewport(), Qt.MouseButton.LeftButton, pos=rect.center()
    )
    assert review.status.text().startswith("Playing from")
    qtbot.waitUntil(lambda: review.player.playback is not None, timeout=15_000)
    qtbot.waitUntil(lambda: review.player.playback.playing, timeout=3000)
    qtbot.waitUntil(lambda: item.isSelected() and item.font().bold(), timeout=3000)


def test_a_wrong_draft_is_reported_as_an_ai_error_with_the_draft(qtbot, app, tmp_path):
    call_id = recorded_call(app, tmp_path)
    app.context.transcription.run_pending()
    review = app.windows[f"review:{call_id}"]
    rows = review.crm_fields.rows
    qtbot.waitUntil(lambda: any(r.report.isVisibleTo(review) for r in rows.values()))
    key, row = next((k, r) for k, r in rows.items() if r.report.isVisibleTo(review))
    row.report.click()
    dialog = app.windows["concern"]
    assert isinstance(dialog, ConcernDialog)
    assert dialog.category.currentData() == "ai_error"
    label = {"next_steps": "Next steps", "timeline": "Timeline", "risks": "Risks"}[key]
    assert f"{label}: {row.box.toPlainText()}" in dialog.text.toPlainText()
    dialog.close()
