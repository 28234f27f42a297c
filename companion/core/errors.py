"""The one error type the rep is shown: the environment's fault, with what to do about it.

Each edge subclasses `UserFacingError` for the faults of its world (a locked keyring, a
full disk, a corrupt file, an unreachable target) and each use case for the refusals
of its rules. The UI catches this one type and shows `message` and `fix`; anything else
is a bug, logged with its traceback.
"""

from __future__ import annotations

UNEXPECTED = "An unexpected error happened; the details are in the log."


class UserFacingError(Exception):
    """An expected failure: `str()` is the sentence for the rep, `fix` what to do."""

    def __init__(self, message: str, fix: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix

    def __str__(self) -> str:
        return self.message

    def shown(self) -> str:
        """The message and, where there is one, its fix, as one text for a notification."""
        return (
            f"{self.message} {self.fix}"
            if self.fix and self.fix not in self.message
            else (self.message)
        )


def shown(error: BaseException) -> str:
    """What the rep reads for a failure: message and fix, or, for a bug, where to look."""
    return error.shown() if isinstance(error, UserFacingError) else UNEXPECTED
