"""A keyring that fails the test that touches it: no test may reach the real user's keyring.

Installed for every test that does not use the `secret_service` fixture (see
`tests/conftest.py`). It claims a high priority so the product's own checks let the call
through to it, and then it fails the test with `pytest.fail`, which is a BaseException:
the product's `except Exception` handlers cannot swallow it. Calls from other threads
are also remembered, so the fixture fails the test at teardown.
"""

from __future__ import annotations

import pytest
from keyring.backend import KeyringBackend

MESSAGE = (
    "this test reached the keyring ({what}) without the Secret Service peer: "
    "add the `secret_service` fixture (@pytest.mark.usefixtures('secret_service')), "
    "or pass `secrets=` / `recorder=NullRecorder()` to build_context"
)


class RefusingKeyring(KeyringBackend):
    priority = 10.0  # above every real backend, so the guard is the one asked

    def __init__(self) -> None:
        super().__init__()
        self.touched: list[str] = []

    def _refuse(self, what: str) -> None:
        self.touched.append(what)
        pytest.fail(MESSAGE.format(what=what), pytrace=False)

    def get_password(self, service: str, username: str) -> str | None:
        self._refuse(f"get {service}/{username}")
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        self._refuse(f"set {service}/{username}")

    def delete_password(self, service: str, username: str) -> None:
        self._refuse(f"delete {service}/{username}")
