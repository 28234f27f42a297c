"""Benchmark: shortcut press to moment saved and shown; library window open time.

    uv run python tests/bench/moments_ui_bench.py [--presses 200]

Targets (issue "Moments"): press -> saved and shown under 20 ms; with 10,000
calls and 100,000 moments, the library window opens in under 500 ms. Runs Qt
offscreen in a temporary COMPANION_HOME. A benchmark prints numbers; it asserts
nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def shortcut_latency(presses: int) -> list[float]:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from companion.app.calls.service import CallRequest
    from companion.app.compose import build_context
    from companion.core.calls.recorder import NullRecorder
    from companion.ui.shell.app import TrayApp

    app = TrayApp(build_context(recorder=NullRecorder()), lambda: None)
    calls = app.context.calls
    calls.start_call(CallRequest("Bench", "discovery", "DE"))
    calls.mark_decline()
    window = app.call_window
    assert window is not None
    window.show()
    window.activateWindow()
    QTest.qWaitForWindowActive(window)
    window.moments.setFocus()
    times = []
    for index in range(presses):
        before = window.moments.count()
        key = Qt.Key.Key_1 + index % 7
        start = time.perf_counter()
        QTest.keyClick(window.moments, key)  # saved to SQLite and added to the list
        times.append((time.perf_counter() - start) * 1000)
        assert window.moments.count() == before + 1
    calls.end_call()
    for other in app.windows.values():
        other.close()
    app.tray.icon.hide()
    return times


def library_open(home: Path) -> list[float]:
    from library_bench import build

    from companion.app.compose import build_context
    from companion.app.library.search import search_calls
    from companion.ui.library.library_window import LibraryWindow

    build(home, 10_000, 100_000, 7)
    context = build_context()
    policy = context.active_policy().policy
    times = []
    for _ in range(5):
        start = time.perf_counter()
        window = LibraryWindow(
            lambda query: search_calls(context.store, query, policy), policy, lambda _id: None
        )
        window.show()
        times.append((time.perf_counter() - start) * 1000)
        rows = window.table.rowCount()
        window.close()
    print(f"library rows shown: {rows} (the newest 500; search narrows the rest)")
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=200)
    args = parser.parse_args()
    from PySide6.QtWidgets import QApplication

    qt = QApplication([])
    with tempfile.TemporaryDirectory() as first, tempfile.TemporaryDirectory() as second:
        os.environ["COMPANION_HOME"] = first
        presses = shortcut_latency(args.presses)
        os.environ["COMPANION_HOME"] = second
        opens = library_open(Path(second))
    print(
        f"shortcut -> moment saved and shown: p50 {statistics.median(presses):.1f} ms, "
        f"p95 {percentile(presses, 0.95):.1f} ms, max {max(presses):.1f} ms "
        f"(n={len(presses)})   target < 20 ms"
    )
    print(
        f"library window open (10,000 calls / 100,000 moments): median "
        f"{statistics.median(opens):.0f} ms, max {max(opens):.0f} ms   target < 500 ms"
    )
    qt.quit()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
