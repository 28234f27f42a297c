"""The capture grant: the only key that lets a recorder open an input stream.

Only `CallSession` can mint one (it holds the private mint token), and only on
the consent transition. A grant is live while its session says so: pause,
participant joined, withdrawal and end all close it, so a recorder that checks
`grant.active` before every block can never keep capturing past them.
"""

from __future__ import annotations

from collections.abc import Callable

_MINT = object()


class GrantError(PermissionError):
    """Raised when capture is attempted without a live grant."""


class CaptureGrant:
    __slots__ = ("_is_live", "call_id", "consent_seq")

    def __init__(
        self, token: object, call_id: str, consent_seq: int, is_live: Callable[[], bool]
    ) -> None:
        if token is not _MINT:
            raise GrantError("a capture grant can only come from a consent transition")
        self.call_id = call_id
        self.consent_seq = consent_seq
        self._is_live = is_live

    @property
    def active(self) -> bool:
        return self._is_live()

    def require_active(self) -> None:
        if not self.active:
            raise GrantError(f"no live consent for call {self.call_id}: capture refused")


def _mint(call_id: str, consent_seq: int, is_live: Callable[[], bool]) -> CaptureGrant:
    """For `CallSession` only."""
    return CaptureGrant(_MINT, call_id, consent_seq, is_live)
