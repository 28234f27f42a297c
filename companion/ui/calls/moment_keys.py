"""Ctrl+Alt+digit marks a tagged moment from any application while a call runs.

Only the call type's tags are offered, by the policy's keys; each mark is confirmed in
a brief notification, since the call window may be behind the meeting app. The key of
a tag this call type does not offer is listened to as well, so it says why nothing was
marked instead of doing nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

from companion.app.calls.service import CallService
from companion.core.calls.session import CallSession, CallState
from companion.edges.global_keys import GlobalKeys

POLL_MS = 100


class MomentKeys(QObject):
    def __init__(
        self,
        keys: GlobalKeys,
        calls: CallService,
        mark: Callable[[str], object],
        parent: QObject | None = None,
        refuse: Callable[[str], object] | None = None,  # why a key marked nothing
    ) -> None:
        super().__init__(parent)
        self._keys, self._calls, self._mark, self._refuse = keys, calls, mark, refuse
        self._tags: dict[str, str] = {}  # digit -> tag key, for the running call
        self._not_offered: dict[str, str] = {}  # digit -> why it marks nothing in this call
        self.active = False
        self.poll = QTimer(self)
        self.poll.setInterval(POLL_MS)
        self.poll.timeout.connect(self._check)
        calls.subscribe(self._call_changed)

    def _call_changed(self, session: CallSession | None) -> None:
        running = session is not None and session.state not in (
            CallState.ENDED,
            CallState.PREPARING,
        )
        if running and not self.active:
            self._tags = self._call_tags()
            digits = sorted({*self._tags, *self._not_offered})
            self.active = bool(self._tags) and self._keys.grab(digits)
            if self.active:
                self.poll.start()
        elif not running and self.active:
            self.stop()

    def _call_tags(self) -> dict[str, str]:
        active, session = self._calls.policy_in_use, self._calls.current
        policy = active.policy if active else None
        if policy is None or session is None:
            return {}
        kind = policy.call_types.get(session.details.call_type)
        keys = kind.tags if kind and kind.tags else list(policy.tags)
        digits = {}
        self._not_offered = {}
        for key, tag in policy.tags.items():
            if not tag.shortcut:
                continue
            if key in keys:
                digits[tag.shortcut] = key
            else:
                call = kind.label if kind else "this call"
                self._not_offered[tag.shortcut] = (
                    f"Ctrl+Alt+{tag.shortcut} is “{tag.label}”, which a {call} does not "
                    "offer: nothing was marked."
                )
        return digits

    def _check(self) -> None:
        for digit in self._keys.pressed():
            tag = self._tags.get(digit)
            if tag is not None:
                self._mark(tag)
            elif digit in self._not_offered and self._refuse is not None:
                self._refuse(self._not_offered[digit])

    def stop(self) -> None:
        self.poll.stop()
        self._keys.stop()
        self.active = False
