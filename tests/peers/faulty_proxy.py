"""A small HTTP proxy on loopback that misbehaves on a fixed schedule, in front of S3.

Request n (counted over all connections) gets `schedule[n % len(schedule)]`:

- "pass": forwarded untouched.
- "drop_request": the connection is closed mid-request (after the headers, before
  the body or any answer); the server never sees it.
- "drop_response": forwarded, the server acts on it, then the connection is closed
  before the answer: the client must retry a request that already took effect (the
  duplicated upload).
- "500" / "503": answered by the proxy with an S3 error (InternalError / SlowDown).
- "stall": held for `stall_seconds` (bounded, well under the client's read timeout),
  then forwarded.

A `rule(method, target)` may pick the action for a request by what it is (say, drop
the answer of the first PUT of every key); where it answers None the schedule goes on.
Every request is recorded in `FaultLog.seen` as (action, method, target).

One request per client connection: the proxy answers with `Connection: close`.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

DEFAULT_SCHEDULE = (  # one request in four goes wrong
    "pass", "drop_request", "pass", "pass",
    "pass", "503", "pass", "pass",
    "pass", "stall", "pass", "pass",
    "pass", "drop_response", "pass", "pass",
    "pass", "500", "pass", "pass",
)  # fmt: skip
ERRORS = {
    "500": (b"500 Internal Server Error", b"InternalError", b"We encountered an internal error."),
    "503": (b"503 Slow Down", b"SlowDown", b"Please reduce your request rate."),
}
IO_TIMEOUT = 10.0
Rule = Callable[[str, str], str | None]  # (method, request target) -> action or None


@dataclass
class FaultLog:
    schedule: tuple[str, ...]
    stall_seconds: float
    rule: Rule | None = None
    applied: Counter[str] = field(default_factory=Counter)
    count: int = 0
    seen: list[tuple[str, str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, method: str = "", target: str = "") -> str:
        """The action for the next request (the rule's, else the schedule's), recorded."""
        with self.lock:
            action = self.rule(method, target) if self.rule else None
            if action is None:
                action = self.schedule[self.count % len(self.schedule)]
                self.count += 1
            self.applied[action] += 1
            self.seen.append((action, method, target))
            return action

    def requests(self, method: str, contains: str = "") -> list[str]:
        """Targets of the recorded requests with this method (and text in the target)."""
        with self.lock:
            return [t for _a, m, t in self.seen if m == method and contains in t]


def _read_until(sock: socket.socket, buffer: bytearray, marker: bytes) -> bool:
    while marker not in buffer:
        chunk = sock.recv(65536)
        if not chunk:
            return False
        buffer += chunk
    return True


def _read_head(sock: socket.socket) -> tuple[bytes, bytearray] | None:
    """The request's head, and whatever of its body came with it."""
    buffer = bytearray()
    if not _read_until(sock, buffer, b"\r\n\r\n"):
        return None
    end = buffer.index(b"\r\n\r\n") + 4
    return bytes(buffer[:end]), bytearray(buffer[end:])


def _read_body(sock: socket.socket, head: bytes, rest: bytearray) -> bytes | None:
    """The body of the request; Content-Length or chunked bodies.

    botocore sends `Expect: 100-continue` with upload bodies: the proxy answers it
    itself and strips it before forwarding.
    """
    headers = _headers(head)
    if headers.get(b"expect", b"").lower() == b"100-continue":
        sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")  # else the client waits a second
    if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
        if not _read_until(sock, rest, b"0\r\n\r\n"):  # good enough for botocore's bodies
            return None
        return bytes(rest)
    length = int(headers.get(b"content-length", b"0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        rest += chunk
    return bytes(rest[:length])


def _headers(head: bytes) -> dict[bytes, bytes]:
    result = {}
    for line in head.split(b"\r\n")[1:]:
        name, sep, value = line.partition(b":")
        if sep:
            result[name.strip().lower()] = value.strip()
    return result


def _with_connection_close(head: bytes) -> bytes:
    lines = [
        line
        for line in head.rstrip(b"\r\n").split(b"\r\n")
        if not line.lower().startswith((b"connection:", b"keep-alive:", b"expect:"))
    ]
    return b"\r\n".join([*lines, b"Connection: close"]) + b"\r\n\r\n"


def _error_response(status: bytes, code: bytes, message: bytes) -> bytes:
    body = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>'
        + code
        + b"</Code><Message>"
        + message
        + b"</Message><RequestId>faulty-proxy</RequestId></Error>"
    )
    head = (
        b"HTTP/1.1 " + status + b"\r\nContent-Type: application/xml\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n"
    )
    return head + body


def _forward(upstream: tuple[str, int], head: bytes, body: bytes) -> bytes:
    with socket.create_connection(upstream, timeout=IO_TIMEOUT) as server:
        server.sendall(_with_connection_close(head) + body)
        answer = bytearray()
        while chunk := server.recv(65536):
            answer += chunk
    split = answer.find(b"\r\n\r\n")
    if split < 0:
        return bytes(answer)
    return _with_connection_close(bytes(answer[: split + 4])) + bytes(answer[split + 4 :])


class _Handler(socketserver.BaseRequestHandler):
    server: _ProxyServer

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.settimeout(IO_TIMEOUT)
        log, upstream = self.server.log, self.server.upstream
        with contextlib.suppress(OSError):
            read = _read_head(sock)
            if read is None:
                return
            head, rest = read
            method, _, target = head.split(b"\r\n", 1)[0].decode("latin-1").partition(" ")
            action = log.take(method, target.rsplit(" ", 1)[0])
            if action == "drop_request":  # the headers came; hang up before the body
                sock.shutdown(socket.SHUT_RDWR)
                return
            body = _read_body(sock, head, rest)
            if body is None:
                return
            if action in ERRORS:
                sock.sendall(_error_response(*ERRORS[action]))
                return
            if action == "stall":
                threading.Event().wait(log.stall_seconds)  # bounded: below the read timeout
            answer = _forward(upstream, head, body)
            if action == "drop_response":
                return  # the server did it; the client never hears
            sock.sendall(answer)


class _ProxyServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, upstream: tuple[str, int], log: FaultLog, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.upstream = upstream
        self.log = log


@dataclass(frozen=True)
class FaultyProxy:
    host: str
    port: int
    log: FaultLog

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.port}"


@contextmanager
def faulty_proxy(
    upstream: tuple[str, int],
    schedule: tuple[str, ...] = DEFAULT_SCHEDULE,
    stall_seconds: float = 0.2,
    rule: Rule | None = None,
    port: int = 0,  # a fixed port: the same endpoint stopped and started again
) -> Iterator[FaultyProxy]:
    log = FaultLog(schedule, stall_seconds, rule)
    server = _ProxyServer(upstream, log, port)
    thread = threading.Thread(target=server.serve_forever, name="faulty-proxy", daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield FaultyProxy(str(host), int(port), log)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
