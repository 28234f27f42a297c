"""The keyring facade: the app's only door to the OS keyring (edge layer, Qt-free).

The audio key and the sync credentials live in the OS keyring and nowhere else.
This facade refuses every backend that is not a real OS keyring (plaintext
files, the fail and null backends, anything keyring itself does not recommend)
instead of falling back to it, and turns a locked or unreachable keyring into
one `SecretStoreError` with a message and a fix the rep can act on.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from enum import Enum
from functools import cache
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:  # keyring, secretstorage and cryptography load with the first secret
    from keyring.backend import KeyringBackend
    from keyring.backends import chainer

from companion.core.errors import UserFacingError

SERVICE_NAME = "RepCompanion"
MIN_SECURE_PRIORITY = 1.0  # keyring's own line between "recommended" and "not recommended"

_T = TypeVar("_T")

FIX_START_KEYRING = (
    "Start your desktop's keyring (GNOME Keyring or KWallet on Linux; Keychain on macOS "
    "and Credential Manager on Windows are built in), then restart Rep Companion."
)
FIX_UNLOCK = (
    "Unlock your login keyring (for example in Passwords and Keys, or by logging out and in "
    "again), then try again."
)
FIX_USE_OS_KEYRING = (
    "Use your operating system's keyring: uninstall file-based keyring packages such as "
    "keyrings.alt, or set PYTHON_KEYRING_BACKEND to the OS keyring (on Linux "
    "keyring.backends.SecretService.Keyring), then restart Rep Companion."
)
FIX_RETRY = "Check that your keyring is running and unlocked, then try again."


class Failure(Enum):
    """Why the secret store cannot be used: the UI picks its wording from this."""

    LOCKED = "locked"
    UNAVAILABLE = "unavailable"
    INSECURE = "insecure"
    FAILED = "failed"


class SecretStoreError(UserFacingError):
    """The keyring could not be used; `str()` is a sentence for the rep, `fix` says what to do."""

    def __init__(self, message: str, *, backend: str, kind: Failure, fix: str) -> None:
        super().__init__(message, fix)
        self.backend = backend
        self.kind = kind


@dataclass(frozen=True)
class KeyringStatus:
    backend: str
    secure: bool
    problem: str | None
    fix: str


@dataclass(frozen=True)
class _Problem:
    kind: Failure
    text: str
    fix: str


def _secret_service_errors() -> dict[Failure, tuple[type[Exception], ...]]:
    """Errors that secretstorage and jeepney let through keyring's Secret Service backend."""
    try:
        from jeepney.wrappers import DBusErrorResponse
        from secretstorage.exceptions import (
            LockedException,
            PromptDismissedException,
            SecretServiceNotAvailableException,
            SecretStorageException,
        )
    except ImportError:  # not on Linux: keyring has no Secret Service backend here
        return {Failure.LOCKED: (), Failure.UNAVAILABLE: (), Failure.FAILED: ()}
    return {
        Failure.LOCKED: (LockedException, PromptDismissedException),
        Failure.UNAVAILABLE: (SecretServiceNotAvailableException,),
        Failure.FAILED: (SecretStorageException, DBusErrorResponse),
    }


@cache
def _translations() -> tuple[tuple[tuple[type[Exception], ...], Failure], ...]:
    """Checked in this order: the first match names the failure. A dismissed unlock prompt
    means locked; OSError means the D-Bus socket or the daemon is gone. Built on first use:
    keyring and secretstorage cost ~20 MB that an idle tray need not hold."""
    from keyring.errors import InitError, KeyringError, KeyringLocked, NoKeyringError

    known = _secret_service_errors()
    return (
        ((KeyringLocked, *known[Failure.LOCKED]), Failure.LOCKED),
        ((InitError, NoKeyringError, OSError, *known[Failure.UNAVAILABLE]), Failure.UNAVAILABLE),
        ((KeyringError, *known[Failure.FAILED]), Failure.FAILED),
    )


def _all_errors() -> tuple[type[Exception], ...]:
    return tuple(error for errors, _kind in _translations() for error in errors)


_NO_KEYRING = _Problem(
    Failure.UNAVAILABLE, "No OS keyring was found on this computer.", FIX_START_KEYRING
)


def backend_name(backend: KeyringBackend) -> str:
    """The backend's import path: what PYTHON_KEYRING_BACKEND would name."""
    cls = type(backend)
    return f"{cls.__module__}.{cls.__name__}"


def _insecurity(backend: KeyringBackend) -> _Problem | None:
    """Why `backend` must not hold the app's secrets, or None if it is a usable OS keyring."""
    from keyring.backends import chainer, fail, null

    name = backend_name(backend)
    if isinstance(backend, fail.Keyring):
        return _NO_KEYRING
    if isinstance(backend, null.Keyring):
        text = f"The keyring backend {name} throws every secret away."
        return _Problem(Failure.INSECURE, text, FIX_USE_OS_KEYRING)
    if isinstance(backend, chainer.ChainerBackend):
        return _chain_insecurity(backend)
    try:
        priority = float(type(backend).priority)
    except Exception as error:  # keyring's contract: priority raises when the backend can't work
        text = f"The keyring {name} is not available: {error}"
        return _Problem(Failure.UNAVAILABLE, text, FIX_START_KEYRING)
    if priority < MIN_SECURE_PRIORITY:
        text = (
            f"The keyring backend {name} is not an OS keyring that keyring recommends "
            f"(priority {priority:g}); it may keep secrets in a plain file."
        )
        return _Problem(Failure.INSECURE, text, FIX_USE_OS_KEYRING)
    return None


def _chain_insecurity(backend: chainer.ChainerBackend) -> _Problem | None:
    # A chain reads from every backend in it, so one weak link makes it insecure.
    links: list[KeyringBackend] = list(backend.backends)
    if not links:
        return _NO_KEYRING
    for link in links:
        problem = _insecurity(link)
        if problem is not None:
            return problem
    return None


class SecretStore:
    """Named secrets of Rep Companion in the OS keyring, under one service name."""

    def __init__(self, backend: KeyringBackend | None = None, service: str = SERVICE_NAME) -> None:
        self._chosen = backend  # None: the OS keyring, looked up on first use
        self._service = service
        self._known_secure = False  # a backend's kind never changes, so "secure" is remembered

    @property
    def _backend(self) -> KeyringBackend:
        if self._chosen is None:
            import keyring

            self._chosen = keyring.get_keyring()
        return self._chosen

    @property
    def backend(self) -> str:
        return backend_name(self._backend)

    def status(self) -> KeyringStatus:
        """Whether the backend is an OS keyring; says nothing about it being locked (see probe)."""
        problem = _insecurity(self._backend)
        if problem is None:
            return KeyringStatus(self.backend, secure=True, problem=None, fix="")
        return KeyringStatus(self.backend, secure=False, problem=problem.text, fix=problem.fix)

    def probe(self) -> None:
        """Write, read back and delete a random secret; raise SecretStoreError if any step fails."""
        name = f"probe-{uuid.uuid4().hex}"
        value = uuid.uuid4().hex
        self.set(name, value)
        try:
            echoed = self.get(name)
        except SecretStoreError:
            with suppress(SecretStoreError):  # best effort: the read error is the one to report
                self.delete(name)
            raise
        self.delete(name)
        if echoed != value:
            raise self._error(
                Failure.FAILED, "gave back a different secret than was stored", FIX_RETRY
            )
        if self.get(name) is not None:
            raise self._error(Failure.FAILED, "kept a secret that was deleted", FIX_RETRY)

    def get(self, name: str) -> str | None:
        """The secret called `name`, or None if there is none."""
        return self._call("read", name, lambda: self._backend.get_password(self._service, name))

    def set(self, name: str, value: str) -> None:
        """Store `value` as the secret called `name`, replacing any earlier one."""
        self._call("store", name, lambda: self._backend.set_password(self._service, name, value))

    def delete(self, name: str) -> None:
        """Remove the secret called `name`; removing a secret that does not exist is fine."""
        if self.get(name) is None:  # backends disagree on how "not found" is reported
            return
        self._call("delete", name, lambda: self._backend.delete_password(self._service, name))

    def _call(self, action: str, name: str, operation: Callable[[], _T]) -> _T:
        if not name:
            raise ValueError("a secret needs a name")
        self._require_secure()
        try:
            return operation()
        except _all_errors() as error:
            raise self._translate(error, action, name) from error

    def _translate(self, error: Exception, action: str, name: str) -> SecretStoreError:
        kind = next(kind for errors, kind in _translations() if isinstance(error, errors))
        if kind is Failure.LOCKED:
            what = f"is locked, so Rep Companion cannot {action} its secrets"
            return self._error(kind, what, FIX_UNLOCK)
        if kind is Failure.UNAVAILABLE:
            return self._error(
                kind, f"could not be reached to {action} '{name}' ({error})", FIX_RETRY
            )
        return self._error(kind, f"could not {action} the secret '{name}' ({error})", FIX_RETRY)

    def _require_secure(self) -> None:
        # Never fall back: an insecure backend gets no secret written or read.
        if self._known_secure:
            return
        problem = _insecurity(self._backend)
        if problem is not None:
            raise SecretStoreError(
                problem.text, backend=self.backend, kind=problem.kind, fix=problem.fix
            )
        self._known_secure = True

    def _error(self, kind: Failure, what_happened: str, fix: str) -> SecretStoreError:
        return SecretStoreError(
            f"The keyring ({self.backend}) {what_happened}.",
            backend=self.backend,
            kind=kind,
            fix=fix,
        )
