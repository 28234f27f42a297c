"""From "which apps have the microphone open" to "a call is starting / has ended".

Pure and clock-driven: the mic watch (an edge) reports who uses the microphone, the
GUI's timer calls `observe` with the time, and this decides. An app must hold the
mic for `start_after_seconds` (a notification sound opens it for a moment), and only
apps the policy names as call apps count, minus those the rep chose to ignore.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from companion.core.policy.model import CallDetection


@dataclass(frozen=True)
class CallStarting:
    app: str  # as the app names itself ("ZOOM VoiceEngine", "Google Chrome")


@dataclass(frozen=True)
class CallAppGone:
    app: str  # the app that started the call let the microphone go


DetectionEvent = CallStarting | CallAppGone


@dataclass(frozen=True)
class MicUser:
    name: str  # application.name
    program: str = ""  # the executable, where the platform says


def is_call_app(user: MicUser, rules: CallDetection, ignored: frozenset[str]) -> bool:
    words = f"{user.name} {user.program}".lower()
    if any(word and word in words for word in ignored):
        return False
    return any(word in words for word in rules.apps)


@dataclass
class CallDetector:
    rules: CallDetection
    ignored: frozenset[str] = frozenset()
    _since: dict[str, float] = field(default_factory=dict)  # app -> when it opened the mic
    _announced: str | None = None  # the app whose call was offered or is running

    def observe(self, now: float, users: frozenset[MicUser]) -> list[DetectionEvent]:
        """The events this moment brings; each start and each end is said once."""
        if not self.rules.enabled:
            return []
        calling = {u.name for u in users if is_call_app(u, self.rules, self.ignored)}
        for name in list(self._since):
            if name not in calling:
                del self._since[name]
        for name in calling:
            self._since.setdefault(name, now)
        events: list[DetectionEvent] = []
        if self._announced is not None and self._announced not in calling:
            events.append(CallAppGone(self._announced))
            self._announced = None
        if self._announced is None:
            held = [n for n, t in self._since.items() if now - t >= self.rules.start_after_seconds]
            if held:
                self._announced = min(held, key=lambda n: self._since[n])
                events.append(CallStarting(self._announced))
        return events
