"""Python's cyclic garbage collector, run on the GUI thread only.

Automatic collection runs in whichever thread happens to allocate. When that is a worker
thread (transcription, the microphone watch) and the garbage holds Qt objects, Qt
destroys them off the GUI thread ("Timers cannot be stopped from another thread") and
can crash. So the app turns automatic collection off and collects from a timer on the
GUI thread, generation by generation, with Python's own thresholds.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 500


class GuiThreadGarbage(QObject):
    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        self.timer = QTimer(self)
        self.timer.setInterval(INTERVAL_MS)
        self.timer.timeout.connect(self.collect)
        gc.disable()
        self.timer.start()

    def collect(self) -> int:
        """Collect the oldest generation due, as the automatic collector would; found."""
        counts = gc.get_count()
        due = [g for g in range(3) if counts[g] > self._thresholds[g]]
        return gc.collect(due[-1]) if due else 0

    def stop(self) -> None:
        """Back to automatic collection (the GUI is going away)."""
        self.timer.stop()
        gc.enable()
