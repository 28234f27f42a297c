"""The customer's answers: an unclear one is not a yes (logged on its own, asked again or
gone on without recording, a consent-ambiguity flag in the report); disabled answers say why."""

from __future__ import annotations

import pyrage
import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from companion.app.sync.call_package import package_call
from companion.core.calls.session import CallState
from companion.desk.app.program_report import _call_tables, report_call
from companion.edges.store import audit
from companion.edges.store.models import CallRecord, ConsentEventRecord
from companion.ui.calls.consent_dialog import ASK, DECLINED_PAGE, UNCLEAR_PAGE, ConsentDialog
from companion.ui.shell.app import TrayApp


@pytest.fixture
def companion(qtbot, make_context):
    app = TrayApp(make_context(), lambda: None)
    yield app
    if app.flow.dialog is not None:
        app.flow.dialog.close()
    app.tray.icon.hide()


def click(qtbot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_unclear_is_logged_never_records_and_is_flagged_in_the_report(qtbot, companion):
    context = companion.context
    quick = companion.flow.quick_start()
    qtbot.keyClicks(quick.details.account, "Initech")
    qtbot.waitUntil(lambda: quick.unclear_button.isEnabled())
    click(qtbot, quick.unclear_button)
    consent = companion.flow.dialog
    assert isinstance(consent, ConsentDialog) and consent.pages.currentIndex() == UNCLEAR_PAGE
    session = context.calls.current
    assert session.state is CallState.ASKING and session.capture_grant() is None
    click(qtbot, consent.ask_again_button)  # asked again, still not clear
    assert consent.pages.currentIndex() == ASK
    click(qtbot, consent.unclear_button)
    click(qtbot, consent.go_on_button)
    assert consent.pages.currentIndex() == DECLINED_PAGE  # "we'll continue without it"
    assert session.state is CallState.DECLINED and session.capture_grant() is None
    assert not any(t.event in ("consent", "recording_started") for t in session.transitions)
    call_id = session.details.call_id
    context.calls.end_call()
    with context.store() as db:
        assert db.scalars(select(ConsentEventRecord.kind)).all() == ["unclear", "unclear"]
        record = db.get(CallRecord, call_id)
        assert record.outcome == "unclear"
        kinds = [e["kind"] for e in audit.entries(db)]
        assert kinds.count("call.unclear") == 2 and "call.no_clear_answer" in kinds

    recipient = str(pyrage.x25519.Identity.generate().to_public())
    policy = context.active_policy().policy
    manifest = package_call(context.store, call_id, policy, None, [recipient]).manifest
    assert manifest["consent"]["status"] == "unclear"
    assert manifest["consent"]["unclear_answers"] == 2
    tables, facts = _call_tables([report_call(manifest["package_id"], manifest)])
    assert facts["Consent-ambiguity flags"] == "1"
    assert facts["Consent rate (granted of asked)"] == "0%"
    flags = next(t for t in tables if t.key == "consent_ambiguity")
    assert flags.rows == [(manifest["call_type"]["key"], "unclear", 1)]


def test_disabled_answers_say_what_is_missing_next_to_them(qtbot, companion):
    from companion.ui.calls.start_call_dialog import NEEDS_ACCOUNT

    quick = companion.flow.quick_start()  # a new rep: no account to prefill
    assert not quick.agree_button.isEnabled()
    assert quick.missing.isVisible() and quick.missing.text() == NEEDS_ACCOUNT
    qtbot.keyClicks(quick.details.account, "Initech")
    qtbot.waitUntil(lambda: quick.agree_button.isEnabled())
    assert not quick.missing.isVisible()
    quick.close()
    companion.tray.actions["start_call"].trigger()
    start = companion.flow.dialog
    assert start.missing.isVisible() and start.missing.text() == NEEDS_ACCOUNT
    qtbot.keyClicks(start.account, "Initech")
    assert not start.missing.isVisible()
