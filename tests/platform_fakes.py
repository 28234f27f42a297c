"""Fake OS layers for the Windows and macOS sides of edges/platform (run on Linux)."""

from __future__ import annotations

from datetime import UTC, datetime

from companion.core.calls.grant import CaptureGrant
from companion.core.calls.session import CallDetails, CallSession
from companion.core.policy.model import ConsentRule
from companion.core.policy.rules import RecordingDecision


class FakeRegistry:
    """Keys as {(hive, path): {value: data}}; `refuse` makes every read a PermissionError."""

    def __init__(self, keys: dict[tuple[str, str], dict[str, object]], refuse: bool = False):
        self.keys = keys  # names keep their case; lookups ignore it, as Windows does
        self.refuse = refuse
        self.reads: list[tuple[str, str]] = []

    def values(self, hive, path):
        self.reads.append((hive, path))
        if self.refuse:
            raise PermissionError(5, "Access is denied")
        for (h, p), found in self.keys.items():
            if h == hive and p.lower() == path.lower():
                return dict(found)
        return None

    def subkeys(self, hive, path):
        self.reads.append((hive, path))
        if self.refuse:
            raise PermissionError(5, "Access is denied")
        prefix = path.lower() + "\\"
        names = {
            p[len(prefix) :].split("\\")[0]
            for h, p in self.keys
            if h == hive and p.lower().startswith(prefix)
        }
        exists = any(
            h == hive and (p.lower() == path.lower() or p.lower().startswith(prefix))
            for h, p in self.keys
        )
        return sorted(names) if exists else None


class FakePreferences:
    """CFPreferences: each key's value and whether a profile forces it."""

    def __init__(self, values: dict[str, object], forced: set[str]):
        self._values, self._forced = values, forced
        self.asked: list[tuple[str, str]] = []

    def value(self, key, domain):
        self.asked.append((key, domain))
        return self._values.get(key)

    def forced(self, key, domain):
        return key in self._forced


def live_grant() -> tuple[CallSession, CaptureGrant]:
    """A real grant from a real consent transition (the only way to get one)."""
    details = CallDetails("call-1", "ACME", "discovery", "US-CA", "rep@example.com", "2026.11.1")
    session = CallSession(details, clock=lambda: datetime(2026, 1, 1, tzinfo=UTC))
    session.begin(RecordingDecision(True, "consent asked", "US-CA", ConsentRule.ALL_PARTY))
    session.give_consent("v1", "en")
    grant = session.capture_grant()
    assert grant is not None
    return session, grant
