"""Open every window a rep reads on a laptop screen and report what is clipped.

    QT_QPA_PLATFORM=offscreen:configfile=SCREEN.json python tests/ui/look/layout_app.py FONT_PT

The screen's size comes from the offscreen platform's config file (a fixed, reliable
size without an X server). Opens the consent script for every region of the policy in
force, in its longest language, reached the way a rep reaches it (the quick start,
first on a never-recorded call, then switched), the consent dialog, the review of a call
with moments, drafts and CRM fields, Settings and the library. Prints one JSON object:
{"screen": [w, h], "checked": [titles], "problems": ["...", ...]}.
"""

from __future__ import annotations

import json
import sys

from layout_check import popup_problems, problems
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QWidget

from companion.app.calls.service import CallRequest
from companion.app.compose import build_context
from companion.core.calls.recorder import NullRecorder
from companion.core.policy.model import Policy
from companion.core.policy.rules import decide
from companion.ui.calls.consent_dialog import ConsentDialog
from companion.ui.calls.quick_start import QuickStartDialog
from companion.ui.library.library_window import LibraryWindow
from companion.ui.look.theme import Theme
from companion.ui.shell.app import TrayApp

LONG_ACCOUNT = "Überseeische Handelsgesellschaft für Industriebedarf und Logistik GmbH & Co. KG"

app = QApplication([])
Theme(app).apply(app.styleHints().colorScheme())
font = QFont(app.font())
font.setPointSizeF(float(sys.argv[1]))
app.setFont(font)
screen = app.primaryScreen().availableGeometry()
context = build_context(recorder=NullRecorder())
found_policy = context.active_policy().policy
assert found_policy is not None
policy: Policy = found_policy
companion = TrayApp(context, app.quit)
found: list[str] = []
checked: list[str] = []


def check(window: QWidget, title: str) -> None:
    window.show()
    for _ in range(3):  # layouts settle over a couple of passes (height for width)
        app.processEvents()
    checked.append(title)
    found.extend(problems(window, screen, title))


def longest_language() -> str:
    return max(policy.consent.scripts, key=lambda lang: len(policy.consent.scripts[lang]))


def a_reviewed_call() -> str:
    calls = context.calls
    calls.start_call(CallRequest(LONG_ACCOUNT, "discovery", "DE"))
    calls.mark_decline()
    for tag in list(policy.tags)[:4]:
        calls.mark_moment(tag=tag, note=f"{tag}: the customer asked about the rollout plan")
    assert calls.current is not None
    call_id = calls.current.details.call_id
    calls.end_call()
    moments = context.review.moments
    moments.add_moment(call_id, 65_000, "Draft: budget approved for next quarter", draft=True)
    moments.add_moment(call_id, 95_000, "Draft: wants a security review first", draft=True)
    for field in policy.crm_fields:
        context.review.crm.draft_crm_field(call_id, field.key, "An automatic draft " * 6, "test")
    return call_id


language = longest_language()
never = next(key for key, kind in policy.call_types.items() if not kind.record)
for region in [*policy.jurisdictions, "XX"]:
    request = CallRequest(LONG_ACCOUNT, "discovery", region, language)
    if not decide(policy, "discovery", region).allowed:
        continue
    quick = QuickStartDialog(policy, lambda r: decide(policy, r.call_type, r.region))
    details = quick.details
    details.account.setText(LONG_ACCOUNT)
    details.call_type.setCurrentIndex(details.call_type.findData(never))
    quick.refresh()
    quick.show()
    app.processEvents()  # first shown on the small "never recorded" page
    details.call_type.setCurrentIndex(details.call_type.findData("discovery"))
    details.region.setCurrentIndex(details.region.findData(region))
    details.language.setCurrentIndex(details.language.findData(language))
    quick.refresh()
    check(quick, f"quick start {region} {language}")
    quick.close()
    script = policy.consent.scripts[language]
    dialog = ConsentDialog(script, policy.decline_script(language), "3", language)
    check(dialog, f"consent {region} {language}")
    dialog.close()


def account_completer() -> None:
    """The start dialog at the screen's right edge, the rep typing a known account: the
    completer's list on the screen, the long account in it whole."""
    start = companion.flow.ask_details()
    check(start, "start call")
    start.move(screen.right() + 1 - start.frameGeometry().width(), screen.top() + 100)
    start.account.setFocus()
    start.account.setText("Über")
    completer = start.account.completer()
    assert completer is not None
    completer.setCompletionPrefix("Über")
    completer.complete()
    app.processEvents()
    popup = completer.popup()
    assert popup is not None
    if not popup.isVisible():
        found.append("start call: the account completer did not open")
    checked.append("account completer")
    found.extend(popup_problems(popup, screen, "account completer"))
    popup.hide()
    start.close()


def library() -> None:
    """With a call chosen and a long export message, the library stays on the screen."""
    window = companion.open_window("library")
    assert isinstance(window, LibraryWindow)
    window.table.selectRow(0)
    bar = window.call_exports
    assert bar is not None
    bar.result.setText(
        f"Not exported: /home/rep/Documents/{LONG_ACCOUNT}/call-1234.ogg: No space left on "
        "device. Free some disk space and export again."
    )
    check(window, "library")


call_id = a_reviewed_call()
check(companion.open_review(call_id), "review")
check(companion.open_window("settings"), "settings")
library()
account_completer()
print(json.dumps({"screen": [screen.width(), screen.height()], "checked": checked,
                  "problems": found}))  # fmt: skip
companion.tray.icon.hide()
