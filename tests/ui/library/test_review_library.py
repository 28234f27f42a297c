"""The library (search, filters) and the review window, driven as a rep would."""

from __future__ import annotations

import csv

import pytest
from PySide6.QtCore import QLocale, Qt

from companion.app.calls.service import CallRequest
from companion.app.compose import build_context
from companion.ui.library.library_window import LibraryWindow
from companion.ui.review.review_window import ReviewWindow
from companion.ui.shell.app import TrayApp


@pytest.fixture
def companion(qtbot, make_context):
    app = TrayApp(make_context(), lambda: None)
    yield app
    for window in list(app.windows.values()):
        window.close()
    app.tray.icon.hide()


def make_call(app, account, call_type, notes, decline=True):
    calls = app.context.calls
    calls.start_call(CallRequest(account, call_type, "DE"))
    if decline and call_type not in ("legal",):
        calls.mark_decline()
    for tag, note in notes:
        calls.mark_moment(tag=tag, note=note)
    call_id = calls.current.details.call_id
    calls.end_call()
    return call_id


def shown_accounts(library: LibraryWindow) -> list[str]:
    items = [library.table.item(r, 1) for r in range(library.table.rowCount())]
    return [item.text() if item is not None else "" for item in items]


def test_search_and_filters_narrow_the_library(qtbot, companion, tmp_path):
    make_call(companion, "Acme", "discovery", [("pain_point", "löschen: Prüfung 請求書 🚀")])
    make_call(companion, "Globex", "demo", [("objection", "'); DROP TABLE calls; --")])
    make_call(companion, "Initech", "legal", [(None, "<b>counsel</b> present")])
    library = companion.open_window("library")
    assert sorted(shown_accounts(library)) == ["Acme", "Globex", "Initech"]
    library.search.setText("請求書")  # QTest cannot type CJK; setText is what an IME delivers
    qtbot.waitUntil(lambda: shown_accounts(library) == ["Acme"])
    library.search.clear()
    qtbot.keyClicks(library.search, "DROP TABLE")
    qtbot.waitUntil(lambda: shown_accounts(library) == ["Globex"])
    library.search.clear()
    qtbot.waitUntil(lambda: len(shown_accounts(library)) == 3)
    library.outcome.setCurrentIndex(library.outcome.findData("blocked"))
    assert shown_accounts(library) == ["Initech"]
    library.outcome.setCurrentIndex(0)
    library.tag.setCurrentIndex(library.tag.findData("objection"))
    assert shown_accounts(library) == ["Globex"]
    row = [library.table.item(0, c).text() for c in range(library.table.columnCount())]
    assert row[5] == "Objection"
    out = tmp_path / "library.csv"
    assert library.export_csv(out) == 1  # what is shown, filters applied
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["account"] for r in rows] == ["Globex"]
    assert rows[0]["outcome"] == "declined"


def test_review_edits_moments_and_requires_crm_fields(qtbot, companion):
    call_id = make_call(companion, "Acme", "discovery", [("pain_point", "slow exports")])
    review = companion.windows[f"review:{call_id}"]  # opened when the call ended
    assert isinstance(review, ReviewWindow)
    assert review.moments.item(0).text().endswith("Pain point  slow exports")
    review.moments.setCurrentRow(0)
    review.note.setText("slow CSV exports")
    review.tag.setCurrentIndex(review.tag.findData("product_gap"))
    qtbot.mouseClick(review.save_moment, Qt.MouseButton.LeftButton)
    assert review.moments.item(0).text().endswith("Product gap  slow CSV exports")
    qtbot.mouseClick(review.ready_button, Qt.MouseButton.LeftButton)
    assert "Qualification details" in review.status.text()
    assert "Next steps" in review.status.text()
    for key in ("qualification", "next_steps", "timeline", "risks"):
        review.crm[key].setPlainText(f"{key} filled")
    review.nuance.setPlainText("Champion is nervous about the CFO.")
    qtbot.mouseClick(review.ready_button, Qt.MouseButton.LeftButton)
    assert review.status.text() == "Ready to sync."
    reopened = ReviewWindow(companion.context.review, call_id, None, None)
    qtbot.addWidget(reopened)
    assert reopened.nuance.toPlainText() == "Champion is nervous about the CFO."
    assert reopened.crm["risks"].toPlainText() == "risks filled"


def test_deleting_a_moment_and_playing_without_audio(qtbot, companion):
    call_id = make_call(companion, "Acme", "demo", [("objection", "price"), (None, "follow up")])
    review = companion.open_review(call_id)
    review.moments.setCurrentRow(0)
    qtbot.mouseClick(review.delete_button, Qt.MouseButton.LeftButton)
    assert review.moments.count() == 1
    review.moments.setCurrentRow(0)
    qtbot.keyClick(review.moments, Qt.Key.Key_Return)
    assert review.status.text().startswith("No audio at")


def test_library_opens_the_review_for_a_row(qtbot, companion):
    call_id = make_call(companion, "Umbrella", "renewal", [])
    companion.windows.pop(f"review:{call_id}").close()
    library = companion.open_window("library")
    library.table.setCurrentCell(0, 1)
    library.table.cellActivated.emit(0, 1)
    assert f"review:{call_id}" in companion.windows


@pytest.mark.usefixtures("secret_service", "pulse_testbed")
def test_play_from_a_moment_with_audio(qtbot, tmp_path):
    from peers.sounds import MIC, play, tone

    app = TrayApp(build_context(), lambda: None)
    calls = app.context.calls
    calls.start_call(CallRequest("Acme", "demo", "DE"))
    calls.mark_consent()
    play(MIC, tone(tmp_path, 1000, 1.0))
    calls.mark_moment(tag="objection", note="price")
    call_id = calls.current.details.call_id
    calls.end_call()
    review = app.windows[f"review:{call_id}"]
    review.moments.setCurrentRow(0)
    qtbot.keyClick(review.moments, Qt.Key.Key_Return)
    assert review.status.text() == "Playing from 00:00."
    qtbot.waitUntil(lambda: review.player.transport.pause_button.isEnabled(), timeout=15_000)
    assert review.player.playback.seconds > 0.8
    review.player.transport.stop()
    for window in app.windows.values():
        window.close()
    app.tray.icon.hide()


def test_review_text_is_saved_as_typed_and_when_the_window_closes(qtbot, companion):
    call_id = make_call(companion, "Acme", "discovery", [("pain_point", "slow exports")])
    review = companion.windows[f"review:{call_id}"]
    assert isinstance(review, ReviewWindow)
    qtbot.keyClicks(review.crm["next_steps"], "Send pricing by Friday")
    service = companion.context.review
    qtbot.waitUntil(
        lambda: (
            {f.key: f.text for f in service.crm.crm_fields(call_id)}["next_steps"]
            == "Send pricing by Friday"
        )
    )  # no button: saved shortly after the last keystroke
    qtbot.keyClicks(review.nuance, "CFO hesitant")
    review.moments.setCurrentRow(0)
    review.note.setText("slow exports, weekly")  # edited, never "Save moment"
    review.close()  # at once: neither the debounce nor a button
    assert service.crm.human_nuance(call_id) == "CFO hesitant"
    assert [m.note for m in service.moments.for_call(call_id)] == ["slow exports, weekly"]


def test_review_text_survives_a_sigkill(companion_home):
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    from peers import wait_until

    script = Path(__file__).with_name("review_app.py")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    app = subprocess.Popen(
        [sys.executable, str(script)], env=env, stdout=subprocess.PIPE, text=True
    )
    context = build_context()  # this process reads the same profile's store
    try:
        assert app.stdout is not None
        call_id = app.stdout.readline().strip()
        assert call_id
        # No button was pressed: the app saves on its own after the last keystroke.
        wait_until(
            lambda: context.review.crm.human_nuance(call_id) == "Nervous about the budget",
            what="the typed note to be saved",
            timeout=10,
        )
        app.send_signal(signal.SIGKILL)
    finally:
        app.wait(timeout=30)
    assert app.returncode == -signal.SIGKILL
    assert context.review.crm.human_nuance(call_id) == "Nervous about the budget"


def test_the_library_offers_export_and_shows_a_deletion_date_only_for_audio(qtbot, companion):
    make_call(companion, "Acme", "discovery", [("pain_point", "notes only")])
    library = companion.open_window("library")
    assert library.export_button.isVisibleTo(library)  # in the window, not just created
    assert library.table.item(0, 7).text() == ""  # no audio: nothing to delete
    # The filter's dates are written as the table writes them: in the rep's locale.
    assert library.date_from.displayFormat() == QLocale().dateFormat(QLocale.FormatType.ShortFormat)


@pytest.mark.usefixtures("secret_service", "pulse_testbed")
def test_the_review_exports_notes_and_audio_that_read_back_and_are_audited(
    qtbot, make_context, tmp_path
):
    import soundfile
    import webvtt
    from peers.sounds import MIC, play, tone
    from PySide6.QtGui import QGuiApplication

    from companion.edges.store import audit

    app = TrayApp(make_context(real_audio=True), lambda: None)
    calls = app.context.calls
    calls.start_call(CallRequest("Acme", "discovery", "DE"))
    calls.mark_consent()
    play(MIC, tone(tmp_path, 1000, 1.5))
    calls.mark_moment(tag="pain_point", note="exports are slow")
    call_id = calls.current.details.call_id
    calls.end_call()
    review = app.windows[f"review:{call_id}"]
    bar = review.exports
    assert bar.id_label.text() == f"Call {call_id[:8]}"
    qtbot.mouseClick(bar.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == call_id[:8]  # what `companion export` takes
    assert bar.audio_button.isEnabled()  # consented, kept audio
    assert bar.export_notes_to(tmp_path / "notes.vtt", "vtt")
    assert [c.text for c in webvtt.read(str(tmp_path / "notes.vtt"))] == [
        "Pain point: exports are slow"
    ]
    assert bar.export_notes_to(tmp_path / "notes.md", "md")
    assert "exports are slow" in (tmp_path / "notes.md").read_text(encoding="utf-8")
    assert bar.export_audio_to(tmp_path / "call.opus")
    frames, rate = soundfile.read(tmp_path / "call.opus")
    assert rate == 48_000 and len(frames) / rate > 1.0
    with app.context.store() as db:
        kinds = [e["kind"] for e in audit.entries(db) if e["call_id"] == call_id]
        assert kinds.count("notes.exported") == 2 and kinds.count("recording.exported") == 1
        assert audit.verify(db) == []
    library = app.open_window("library")
    library.table.setCurrentCell(0, 1)
    assert library.call_exports.id_label.text() == f"Call {call_id[:8]}"
    assert library.call_exports.audio_button.isEnabled()
    for window in list(app.windows.values()):
        window.close()
    app.tray.icon.hide()


def test_a_notes_only_call_offers_no_audio_export(qtbot, companion):
    call_id = make_call(companion, "Acme", "discovery", [(None, "no audio")])
    review = companion.windows[f"review:{call_id}"]
    assert review.exports.notes_button.isEnabled()
    assert not review.exports.audio_button.isEnabled()
