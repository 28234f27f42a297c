"""Noticing calls: the microphone watch, the policy's rules and the rep's choices.

`tick()` is called by the GUI's timer; it reads what the watch last saw (no I/O on
the GUI thread) and returns what the detector decided.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from companion.core.calls.detection import CallDetector, DetectionEvent
from companion.core.policy.active import ActivePolicy
from companion.core.policy.model import CallDetection
from companion.edges.audio.mic_watch import MicWatch
from companion.edges.settings import SettingsFile

OFF = CallDetection(enabled=False)


class CallWatch:
    def __init__(
        self,
        watch: MicWatch,
        policy: Callable[[], ActivePolicy],
        settings: SettingsFile,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._watch, self._policy, self._settings, self._clock = watch, policy, settings, clock
        self.detector = CallDetector(OFF)
        self._running = False

    def start_watching(self) -> None:
        self.refresh_rules()
        if self.detector.rules.enabled and not self._running:
            self._watch.start_watching()
            self._running = True

    def stop(self) -> None:
        if self._running:
            self._watch.stop()
            self._running = False

    def refresh_rules(self) -> None:
        """The policy's rules and the rep's ignored apps (after a policy or settings change)."""
        active = self._policy()
        chosen = self._settings.load()
        rules = active.policy.detection if active.policy and chosen.detect_calls else OFF
        self.detector.rules = rules
        self.detector.ignored = frozenset(chosen.ignored_call_apps)

    def ignore(self, app: str) -> None:
        """The rep does not want calls from `app` noticed (remembered in the settings)."""
        chosen = self._settings.load()
        word = app.lower()
        if word not in chosen.ignored_call_apps:
            apps = (*chosen.ignored_call_apps, word)
            self._settings.save(chosen.with_changes(ignored_call_apps=apps))
        self.refresh_rules()

    def tick(self) -> list[DetectionEvent]:
        if not self._running:
            return []
        return self.detector.observe(self._clock(), self._watch.users())
