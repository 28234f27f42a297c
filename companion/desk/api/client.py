"""A client of the desk service's API for the command line: each request signed with the
caller's Ed25519 key (`core.access.signed_request`). No decryption key, ever."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from companion.core.access.signed_request import sign_request
from companion.core.errors import UserFacingError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


class DeskRefused(UserFacingError):
    """The service said no (or could not be reached); the message is the service's."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class DeskClient:
    server: str  # http://host:port
    signer: str  # "reviewer:dana" or "approver:legal"
    key: Ed25519PrivateKey
    timeout: float = 60.0

    def _open(self, method: str, path: str, body: dict[str, Any] | None) -> Any:
        data = json.dumps(body).encode() if body is not None else b""
        headers = sign_request(self.key, self.signer, method, path, int(time.time()), data)
        request = urllib.request.Request(
            self.server.rstrip("/") + path,
            data=data if method != "GET" else None,
            method=method,
            headers=headers | {"Content-Type": "application/json"},
        )
        try:
            return urllib.request.urlopen(request, timeout=self.timeout)
        except urllib.error.HTTPError as error:
            try:
                message = json.loads(error.read())["error"]
            except (ValueError, KeyError):
                message = f"the desk service answered {error.code}"
            raise DeskRefused(message, error.code) from error
        except OSError as error:
            raise DeskRefused(
                f"The desk service at {self.server} cannot be reached: {error}"
            ) from error

    def get(self, path: str, **query: Any) -> Any:
        wanted = {k: v for k, v in query.items() if v is not None}
        if wanted:
            path += "?" + urllib.parse.urlencode(wanted)
        with self._open("GET", path, None) as answer:
            return json.loads(answer.read())

    def post(self, path: str, body: dict[str, Any]) -> Any:
        with self._open("POST", path, body) as answer:
            return json.loads(answer.read())

    def stream(self, path: str, body: dict[str, Any], chunk: int = 64 * 1024) -> Iterator[bytes]:
        with self._open("POST", path, body) as answer:
            while block := answer.read(chunk):
                yield block
