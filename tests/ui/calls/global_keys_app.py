"""The tray app with a call running, for test_global_keys.py (run under Xvfb)."""

from __future__ import annotations

import sys

from companion.app.calls.service import CallRequest
from companion.edges.paths import AppPaths
from companion.ui.shell.app import TrayApp
from companion.ui.shell.start import run


def started(companion: TrayApp) -> None:
    companion.context.calls.start_call(CallRequest("Acme", "discovery", "DE"))
    print(f"ready {companion.moment_keys.active}", flush=True)


sys.exit(run(AppPaths.from_environment(), on_started=started))
