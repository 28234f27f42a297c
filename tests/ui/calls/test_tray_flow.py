"""The rep's path through the tray, offscreen, with real clicks on real dialogs."""

from __future__ import annotations

import pytest
from peers import uses_audio_peer
from PySide6.QtCore import Qt
from sqlalchemy import select

from companion.core.calls.session import CallState
from companion.edges.paths import AppPaths
from companion.edges.store import audit
from companion.edges.store.models import CallRecord, ConsentEventRecord, MomentRecord
from companion.ui.calls.blocked_dialog import BlockedDialog
from companion.ui.calls.consent_dialog import ConsentDialog
from companion.ui.calls.start_call_dialog import StartCallDialog
from companion.ui.library.library_window import LibraryWindow
from companion.ui.look.looks import TrayLook
from companion.ui.shell.app import TrayApp
from companion.ui.shell.policy_window import PolicyWindow


@pytest.fixture
def companion(qtbot, tmp_path, make_context, request):
    paths = AppPaths.from_environment({"COMPANION_HOME": str(tmp_path)})
    context = make_context(paths=paths, real_audio=uses_audio_peer(request))
    quits = []
    app = TrayApp(context, lambda: quits.append(True))
    app.quits = quits
    yield app
    for window in app.windows.values():
        window.close()
    if app.flow.dialog is not None:
        app.flow.dialog.close()
    app.tray.icon.hide()


def start_call(qtbot, companion, account: str, call_type: str, region: str):
    companion.tray.actions["start_call"].trigger()
    dialog = companion.flow.dialog
    assert isinstance(dialog, StartCallDialog)
    qtbot.keyClicks(dialog.account, account)
    dialog.call_type.setCurrentIndex(dialog.call_type.findData(call_type))
    dialog.region.setCurrentIndex(dialog.region.findData(region))
    qtbot.mouseClick(dialog.buttons.buttons()[0], Qt.MouseButton.LeftButton)
    return companion.flow.dialog


def enabled(companion) -> set[str]:
    return {name for name, action in companion.tray.actions.items() if action.isEnabled()}


def test_idle_menu_offers_only_what_makes_sense(companion):
    assert companion.tray.look is TrayLook.IDLE
    assert enabled(companion) == {
        "start_call",
        "sync_now",
        "library",
        "policy",
        "settings",
        "concern",
        "quit",
    }


def test_start_call_needs_an_account(qtbot, companion):
    companion.tray.actions["start_call"].trigger()
    dialog = companion.flow.dialog
    ok = dialog.buttons.buttons()[0]
    assert not ok.isEnabled()
    qtbot.keyClicks(dialog.account, "Acme")
    assert ok.isEnabled()


@pytest.mark.usefixtures("secret_service", "pulse_testbed")
def test_consent_flow_shows_the_script_and_starts_recording(qtbot, companion):
    consent = start_call(qtbot, companion, "Acme GmbH", "discovery", "DE")
    assert isinstance(consent, ConsentDialog)
    # A customer in Germany is asked in German: the script's language follows the region.
    assert consent.script_label.text().startswith("Bevor wir anfangen: Ist es in Ordnung")
    assert consent.script_label.font().pointSize() >= 18
    assert companion.tray.look is TrayLook.ASKING
    qtbot.mouseClick(consent.agree_button, Qt.MouseButton.LeftButton)
    assert companion.context.calls.current.state is CallState.RECORDING
    assert companion.tray.look is TrayLook.RECORDING
    assert {"mark_moment", "pause_resume", "withdraw", "end_call"} <= enabled(companion)
    assert "start_call" not in enabled(companion)
    companion.tray.actions["pause_resume"].trigger()
    assert companion.tray.look is TrayLook.PAUSED
    assert companion.tray.actions["pause_resume"].text() == "Resume recording"
    companion.tray.actions["end_call"].trigger()
    assert companion.tray.look is TrayLook.IDLE
    with companion.context.store() as db:
        assert db.scalars(select(ConsentEventRecord.kind)).all() == ["granted"]


@pytest.mark.usefixtures("pulse_testbed")
def test_a_locked_keyring_is_found_before_the_customer_is_asked(qtbot, companion, secret_service):
    # Locked before the call: the check before the script reads the recording key and
    # fails, so the customer is never asked for a recording that cannot happen.
    secret_service.lock()
    try:
        blocked = start_call(qtbot, companion, "Acme", "demo", "DE")
        assert isinstance(blocked, BlockedDialog)
        assert "locked" in blocked.reason_label.text().lower()
        assert blocked.fix_hint.isVisibleTo(blocked)
        calls = companion.context.calls
        assert calls.current.state is CallState.BLOCKED
        assert companion.tray.look is TrayLook.BLOCKED
        assert "ask_again" in enabled(companion)
        companion.tray.actions["mark_moment"].trigger()  # notes still work
        assert companion.context.messages.history[-1].title == "Moment marked"
        companion.tray.actions["ask_again"].trigger()  # still locked: said, not asked
        assert calls.current.state is CallState.BLOCKED
        assert companion.context.messages.history[-1].title == "Still cannot record"
    finally:
        secret_service.unlock()
    with companion.context.store() as db:
        assert db.scalars(select(ConsentEventRecord)).all() == []
        assert db.scalars(select(CallRecord.outcome)).one() == "blocked"
    assert not list(companion.context.paths.recordings_dir.rglob("*.rca"))
    companion.tray.actions["ask_again"].trigger()  # unlocked: now the script is read
    consent = companion.flow.dialog
    assert isinstance(consent, ConsentDialog)
    qtbot.mouseClick(consent.agree_button, Qt.MouseButton.LeftButton)
    assert companion.context.calls.current.state is CallState.RECORDING
    companion.tray.actions["end_call"].trigger()
    with companion.context.store() as db:
        assert db.scalars(select(CallRecord.outcome)).one() == "recorded"
        assert audit.verify(db) == []


def test_decline_shows_the_decline_script_and_continues_with_notes(qtbot, companion):
    consent = start_call(qtbot, companion, "Globex", "demo", "GB")
    qtbot.mouseClick(consent.decline_button, Qt.MouseButton.LeftButton)
    assert consent.pages.currentIndex() == 1
    assert consent.decline_label.text() == "No problem, we'll continue without it."
    assert companion.context.calls.current.state is CallState.DECLINED
    assert companion.tray.look is TrayLook.NOTES
    qtbot.mouseClick(consent.continue_button, Qt.MouseButton.LeftButton)
    companion.tray.actions["mark_moment"].trigger()
    assert companion.context.messages.history[-1].title == "Moment marked"
    with companion.context.store() as db:
        assert db.scalars(select(MomentRecord.had_audio)).all() == [False]
        assert db.scalars(select(ConsentEventRecord.kind)).all() == ["declined"]


def test_blocked_call_explains_why_and_offers_notes_only(qtbot, companion):
    blocked = start_call(qtbot, companion, "Initech", "internal_escalation", "US")
    assert isinstance(blocked, BlockedDialog)
    assert blocked.reason_label.text() == "Internal escalations are never recorded."
    assert companion.tray.look is TrayLook.BLOCKED
    assert "pause_resume" not in enabled(companion)
    qtbot.mouseClick(blocked.notes_button, Qt.MouseButton.LeftButton)
    companion.tray.actions["end_call"].trigger()
    assert companion.tray.look is TrayLook.IDLE


def test_library_lists_calls_with_outcome_and_reason(qtbot, companion):
    start_call(qtbot, companion, "Initech", "legal", "US")
    companion.tray.actions["end_call"].trigger()
    companion.tray.actions["library"].trigger()
    library = companion.windows["library"]
    assert isinstance(library, LibraryWindow)
    row = [library.table.item(0, c).text() for c in range(library.table.columnCount())]
    assert row[1:5] == [
        "Initech",
        "Legal discussion",
        "blocked",
        "Legal discussions are never recorded.",
    ]
    assert row[6] == "not set up"  # the default policy names no recipients: never "ready"
    assert row[7] == ""  # a blocked call has no audio: no deletion date to show


def test_policy_window_puts_the_purpose_first(companion):
    companion.tray.actions["policy"].trigger()
    window = companion.windows["policy"]
    assert isinstance(window, PolicyWindow)
    text = window.body.toPlainText()
    assert text.startswith("Why we record")
    assert "coaching, not scoring" in text


def test_bad_policy_tells_the_rep_and_every_call_is_notes_only(qtbot, companion):
    companion.context.paths.policy_override.write_text("version = 'x'\n", encoding="utf-8")
    companion.announce_start_state()
    message = companion.context.messages.history[-1]
    assert message.title == "Policy cannot be used: notes only"
    blocked = start_call(qtbot, companion, "Acme", "unknown", "unknown")
    assert isinstance(blocked, BlockedDialog)
    assert "policy could not be used" in blocked.reason_label.text()


def test_quit_during_a_call_asks_then_ends_it_first(qtbot, companion):
    start_call(qtbot, companion, "Acme", "legal", "US")
    companion.tray.actions["quit"].trigger()
    question = companion.confirmation
    assert question is not None and question.isVisible() and "Acme" in question.text()
    qtbot.mouseClick(question.no_button, Qt.MouseButton.LeftButton)  # keep running
    assert companion.context.calls.current.state is CallState.BLOCKED
    assert companion.quits == []
    companion.tray.actions["quit"].trigger()
    qtbot.mouseClick(companion.confirmation.yes_button, Qt.MouseButton.LeftButton)
    assert companion.context.calls.current.state is CallState.ENDED
    assert companion.quits == [True]


def test_quit_without_a_call_asks_nothing(companion):
    companion.tray.actions["quit"].trigger()
    assert companion.confirmation is None and companion.quits == [True]


def test_enter_never_answers_for_the_customer(qtbot, companion):
    consent = start_call(qtbot, companion, "Acme", "demo", "DE")
    qtbot.keyClick(consent, Qt.Key.Key_Return)
    qtbot.keyClick(consent.agree_button, Qt.Key.Key_Return)
    assert companion.context.calls.current.state is CallState.ASKING
    with companion.context.store() as db:
        assert db.scalars(select(ConsentEventRecord)).all() == []


@pytest.mark.usefixtures("secret_service", "pulse_testbed")
def test_participant_joined_pauses_until_consent_is_asked_again(qtbot, companion):
    consent = start_call(qtbot, companion, "Acme", "demo", "DE")
    qtbot.mouseClick(consent.agree_button, Qt.MouseButton.LeftButton)
    companion.tray.actions["participant_joined"].trigger()
    calls = companion.context.calls
    assert calls.current.state is CallState.AWAITING_RECONSENT
    assert calls.current.capture_grant() is None
    assert companion.tray.look is TrayLook.ASKING
    assert companion.context.messages.history[-1].title == "Recording paused"
    companion.tray.actions["ask_again"].trigger()
    again = companion.flow.dialog
    assert isinstance(again, ConsentDialog)
    assert again.script_label.text().startswith("Es ist gerade jemand dazugekommen")  # not
    # "Before we begin": the call is under way (and a DE customer is asked in German)
    qtbot.mouseClick(again.agree_button, Qt.MouseButton.LeftButton)
    assert calls.current.state is CallState.RECORDING
    companion.tray.actions["withdraw"].trigger()
    question = companion.confirmation
    assert question is not None and "deleted" in question.text()  # says what happens first
    assert calls.current.state is CallState.RECORDING
    assert list(companion.context.paths.recordings_dir.rglob("*.rca"))
    qtbot.mouseClick(question.yes_button, Qt.MouseButton.LeftButton)
    assert calls.current.state is CallState.STOPPED
    assert not list(companion.context.paths.recordings_dir.rglob("*.rca"))  # discarded
    companion.tray.actions["end_call"].trigger()
    with companion.context.store() as db:
        assert db.scalars(select(CallRecord.outcome)).one() == "withdrawn"


def test_messages_wait_their_turn_and_the_menu_keeps_the_last_ones(qtbot, companion):
    tray, messages = companion.tray, companion.context.messages
    messages.warning("Policy cannot be used: notes only", "policy.toml: version: missing")
    messages.warning("Sync did not finish", "offline (will retry)")  # 70 ms later, as seen
    assert [m.title for m in tray.queue] == ["Sync did not finish"]  # waits, not replaces
    with qtbot.waitSignal(tray.showing.timeout, timeout=10_000):
        pass
    assert tray.queue == []
    recent = [a.text() for a in tray.recent_menu.actions()]
    assert recent[:2] == [
        "Sync did not finish: offline (will retry)",
        "Policy cannot be used: notes only: policy.toml: version: missing",
    ]
    assert tray.recent_menu.isEnabled()
