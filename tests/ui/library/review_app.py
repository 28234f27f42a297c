"""A tray app that ends a call, opens its review and types into it, then waits.

Run by tests/ui/library/test_review_library.py, which SIGKILLs it once it has typed.
"""

from __future__ import annotations

import sys

from PySide6.QtTest import QTest

from companion.app.calls.service import CallRequest
from companion.edges.paths import AppPaths
from companion.ui.review.review_window import ReviewWindow
from companion.ui.shell.app import TrayApp
from companion.ui.shell.start import run


def started(companion: TrayApp) -> None:
    calls = companion.context.calls
    session = calls.start_call(CallRequest("Acme", "discovery", "DE"))
    if session.state.value == "asking":  # no keyring here: usually blocked, notes only
        calls.mark_decline()
    call_id = calls.current.details.call_id if calls.current else ""
    calls.end_call()  # the review window opens
    review = companion.windows[f"review:{call_id}"]
    assert isinstance(review, ReviewWindow)
    QTest.keyClicks(review.nuance, "Nervous about the budget")
    print(call_id, flush=True)


sys.exit(run(AppPaths.from_environment(), on_started=started))
