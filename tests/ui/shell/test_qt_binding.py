"""The Qt binding keeps Python's reference counts: PySide6 6.12.0 did not.

Every `Signal(object)` emit to a Python slot lost a reference to True there, and after
enough of them (a day of sync progress) the process aborted in `bool_dealloc`.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Relay(QObject):
    carried = Signal(object)


def test_emitting_python_objects_keeps_true_and_false_alive(qtbot):
    relay, seen = _Relay(), []
    relay.carried.connect(seen.append)
    before = sys.getrefcount(True), sys.getrefcount(False), sys.getrefcount(None)
    for number in range(500):
        relay.carried.emit({"step": number})
    after = sys.getrefcount(True), sys.getrefcount(False), sys.getrefcount(None)
    assert len(seen) == 500
    assert after[0] >= before[0] and after[1] >= before[1] and after[2] >= before[2] - 5
