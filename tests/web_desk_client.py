"""A raw HTTP client for the web desk, as a browser would talk to it but without one:
it keeps the session cookie itself (httpx would not send a `Secure` cookie over plain
HTTP to loopback; browsers do) and reads the CSRF token from each form."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import httpx

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
COOKIE = "__Host-desk"


@dataclass
class WebClient:
    url: str
    cookie: str = ""
    csrf: str = ""
    http: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.http = httpx.Client(base_url=self.url, follow_redirects=False, timeout=30)

    def _keep(self, answer: httpx.Response) -> httpx.Response:
        for header in answer.headers.get_list("set-cookie"):
            name, _, rest = header.partition("=")
            if name == COOKIE:
                self.cookie = rest.split(";")[0].strip('"')
        found = (
            CSRF.search(answer.text)
            if "text/html" in answer.headers.get("content-type", "")
            else None
        )
        if found:
            self.csrf = found.group(1)
        return answer

    def _headers(self) -> dict[str, str]:
        return {"cookie": f"{COOKIE}={self.cookie}"} if self.cookie else {}

    def get(self, path: str, **headers: str) -> httpx.Response:
        return self._keep(self.http.get(path, headers=self._headers() | headers))

    def post(self, path: str, data: dict[str, str], *, csrf: bool = True) -> httpx.Response:
        form = ({"csrf": self.csrf} if csrf else {}) | data
        return self._keep(self.http.post(path, data=form, headers=self._headers()))

    def sign_in(self, name: str, password: str) -> httpx.Response:
        self.get("/web/signin")
        return self.post("/web/signin", {"name": name, "password": password})

    def close(self) -> None:
        self.http.close()


def open_call(client: WebClient, call: str, purpose: str = "coaching", reason: str = "objections"):
    """The call's page (the purpose form), then the purpose and reason given."""
    page = client.get(f"/web/calls/{call}")
    assert page.status_code == 200, page.text
    return client.post(f"/web/calls/{call}/why", {"purpose": purpose, "reason": reason})


def start_play(client: WebClient, call: str) -> str:
    """Press Play on the call's page; the token of the play, from the player's source."""
    started = client.post(f"/web/calls/{call}/play", {"at": "0"})
    assert started.status_code == 303, started.text
    page = client.get(started.headers["location"])
    found = re.search(rf'src="/web/calls/{call}/audio/([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def signed_in(url: str, name: str, password: str) -> WebClient:
    client = WebClient(url)
    answer = client.sign_in(name, password)
    assert answer.status_code == 303, answer.text
    return client
