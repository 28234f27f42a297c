"""Text is text: hostile strings in the policy, the account and the notes, in every window.

A consent script holding `<img>` or `<b>` must be read to the customer exactly as
written, not rendered; an account name or a note must never become markup either.
Every window the rep can open is walked: no label may interpret markup, every tooltip
must show the literal text, and rich-text views must hold the text escaped.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QComboBox, QLabel, QTextBrowser, QWidget

from companion.edges.policy.files import default_policy_path
from companion.ui.calls.blocked_dialog import BlockedDialog
from companion.ui.calls.consent_dialog import ConsentDialog
from companion.ui.calls.start_call_dialog import StartCallDialog
from companion.ui.shell.app import TrayApp

MARKUP = '<a href="x">click</a><img src=x> <b>bold</b> &amp;'


def hostile(what: str) -> str:
    return f"{what} {MARKUP}"


def hostile_policy() -> str:
    text = default_policy_path().read_text(encoding="utf-8")
    swaps = {
        "en = \"Before we begin, is it okay if I record this call so I don't miss any details "
        'and can share accurate notes with my team?"': f"en = '{hostile('consent')}'",
        'en = "No problem, we\'ll continue without it."': f"en = '{hostile('decline')}'",
        'label = "Discovery"': f"label = '{hostile('tag')}'",
        'label = "Discovery call"': f"label = '{hostile('call type')}'",
        'reason = "Legal discussions are never recorded."': f"reason = '{hostile('reason')}'",
        'label = "Next steps"': f"label = '{hostile('crm field')}'",
        'organisation = "Your organisation"': f"organisation = '{hostile('organisation')}'",
    }
    for old, new in swaps.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


def markup_problems(window: QWidget) -> list[str]:
    """Every place in `window` where a hostile string would be rendered as markup."""
    problems = []
    labels = window.findChildren(QLabel) + ([window] if isinstance(window, QLabel) else [])
    for label in labels:
        if "<" in label.text() and label.textFormat() != Qt.TextFormat.PlainText:
            problems.append(f"label {label.text()[:40]!r} is {label.textFormat()}")
    for widget in [window, *window.findChildren(QWidget)]:
        if MARKUP in widget.toolTip():
            problems.append(f"tooltip {widget.toolTip()[:40]!r} is read as markup")
    for browser in window.findChildren(QTextBrowser):
        if MARKUP in browser.toHtml():
            problems.append("a rich-text view holds raw markup")
    return problems


def shows_literally(window: QWidget, what: str) -> bool:
    """The hostile text is somewhere in `window` as the rep would read it."""
    texts = [w.text() for w in window.findChildren(QLabel)]
    texts += [w.text() for w in window.findChildren(QAbstractButton)]
    texts += [b.itemText(i) for b in window.findChildren(QComboBox) for i in range(b.count())]
    texts += [b.toPlainText() for b in window.findChildren(QTextBrowser)]
    texts += [w.toolTip() for w in window.findChildren(QWidget)]
    return any(hostile(what) in text for text in texts)


@pytest.fixture
def companion(qtbot, make_context):
    context = make_context()
    context.paths.policy_override.write_text(hostile_policy(), encoding="utf-8")
    assert context.active_policy().usable, context.active_policy().error
    app = TrayApp(context, lambda: None)
    yield app
    for window in list(app.windows.values()):
        window.close()
    if app.call_window is not None:
        app.call_window.timer.stop()
        app.call_window.close()
    if app.flow.dialog is not None:
        app.flow.dialog.close()
    app.tray.icon.hide()


def start(qtbot, companion, account: str, call_type: str) -> QWidget:
    companion.tray.actions["start_call"].trigger()
    dialog = companion.flow.dialog
    assert isinstance(dialog, StartCallDialog)
    assert markup_problems(dialog) == []
    assert shows_literally(dialog, "call type")
    qtbot.keyClicks(dialog.account, account)
    dialog.call_type.setCurrentIndex(dialog.call_type.findData(call_type))
    dialog.region.setCurrentIndex(dialog.region.findData("GB"))  # asked in English
    qtbot.mouseClick(dialog.buttons.buttons()[0], Qt.MouseButton.LeftButton)
    return companion.flow.dialog


def test_no_window_renders_policy_account_or_note_text_as_markup(qtbot, companion):
    blocked = start(qtbot, companion, hostile("account"), "legal")
    assert isinstance(blocked, BlockedDialog)
    assert markup_problems(blocked) == [] and shows_literally(blocked, "reason")
    qtbot.mouseClick(blocked.notes_button, Qt.MouseButton.LeftButton)
    companion.tray.actions["end_call"].trigger()

    consent = start(qtbot, companion, hostile("account"), "discovery")
    assert isinstance(consent, ConsentDialog)
    assert consent.script_label.text() == hostile("consent")  # exactly as written
    assert markup_problems(consent) == []
    qtbot.mouseClick(consent.decline_button, Qt.MouseButton.LeftButton)
    assert consent.decline_label.text() == hostile("decline")
    assert markup_problems(consent) == []
    qtbot.mouseClick(consent.continue_button, Qt.MouseButton.LeftButton)

    window = companion.call_window
    assert window is not None
    window.note.setText(hostile("note"))
    window.mark("discovery")
    assert markup_problems(window) == [] and shows_literally(window, "tag")
    assert hostile("note") in window.moments.item(0).text()
    call_id = companion.context.calls.current.details.call_id
    companion.context.calls.end_call()

    review = companion.windows[f"review:{call_id}"]
    assert markup_problems(review) == []
    assert shows_literally(review, "account")
    assert shows_literally(review, "crm field")
    for name in ("library", "policy", "settings"):
        window = companion.open_window(name)
        assert markup_problems(window) == [], name
    library = companion.windows["library"]
    accounts = [library.table.item(r, 1).text() for r in range(library.table.rowCount())]
    assert accounts.count(hostile("account")) == 2
    policy = companion.windows["policy"]
    assert shows_literally(policy, "consent") and shows_literally(policy, "organisation")
    tooltip = companion.tray.icon.toolTip()
    assert MARKUP not in tooltip


@pytest.mark.usefixtures("pulse_testbed")
def test_device_names_are_shown_as_written(qtbot, companion):
    import os
    import subprocess

    description = "Headset <b>bold</b> <img src=x>"
    loaded = subprocess.run(
        [
            "pactl",
            "load-module",
            "module-null-sink",
            "sink_name=hostile",
            f"sink_properties=\"device.description='{description}'\"",  # pulse's own quoting
        ],
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    try:
        from companion.edges.audio.devices import list_inputs

        list_inputs(rescan=True)  # PortAudio lists devices once: see the testbed's (no stream open)
        settings = companion.open_window("settings")
        far = [settings.far_end.itemText(i) for i in range(settings.far_end.count())]
        assert f"Monitor of {description}" in far  # the words, not markup
        assert markup_problems(settings) == []
    finally:
        subprocess.run(["pactl", "unload-module", loaded], env=os.environ.copy(), check=False)
