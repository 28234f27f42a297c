"""The web desk's plumbing: what each request gets (`Page`), and `page(...)`, which wraps
a handler with the session, the sign-in check, the CSRF check on every POST, and turns
the service's refusals into pages (404 for a call one may not know of, 403 with the rule
for the door's other refusals, 503 when the receipt could not be written).

Handlers are plain functions run in a worker thread: the service's use cases block on
the database and the store.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

import anyio
import anyio.to_thread
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from companion.core.access.rules import AccessRefused
from companion.core.errors import UserFacingError
from companion.desk.app.ledger import ReceiptNotWritten
from companion.desk.app.reads import ReviewerSession
from companion.desk.app.service import CallNotFound, DeskService
from companion.desk.web.settings import WebSettings
from companion.desk.web.signin.accounts import Accounts
from companion.desk.web.signin.people import Person, person_of
from companion.desk.web.signin.sessions import BrowserSession, Sessions

COOKIE = "__Host-desk"
Handler = Callable[["Page"], Response]
log = logging.getLogger(__name__)


class NotFound(UserFacingError):
    """A page or object that is not there (or not for this person): a 404 page."""


@dataclass
class WebDesk:
    """What the web floor holds per process: the service and its own helpers."""

    service: DeskService
    settings: WebSettings
    accounts: Accounts
    sessions: Sessions
    templates: Jinja2Templates
    oidc: Any = None  # companion.desk.web.signin.oidc.OidcClient, when configured
    # Pages run in at most this many threads at once: more only queue on the database's
    # write lock (SQLite's busy wait sleeps), while waiting here is first come, first served.
    workers: int = 4
    _limiter: Any = None

    def limiter(self) -> Any:
        if self._limiter is None:
            import anyio

            self._limiter = anyio.CapacityLimiter(self.workers)
        return self._limiter

    def now(self) -> datetime:
        return self.service.clock()

    def person(self, browser: BrowserSession | None) -> Person | None:
        return person_of(self.service.policy.access, browser.person if browser else None)


@dataclass
class Page:
    """One request as a handler sees it."""

    desk: WebDesk
    request: Request
    browser: BrowserSession | None
    person: Person | None
    form: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)

    def arg(self, name: str) -> str:
        return str(self.request.path_params[name])

    def reviewer(self) -> ReviewerSession:
        assert self.person is not None and self.person.is_reviewer
        return ReviewerSession(self.desk.service, self.person.id)

    def render(self, template: str, status: int = 200, **values: Any) -> Response:
        values |= {
            "person": self.person,
            "csrf": self.browser.csrf if self.browser else "",
            "oidc": self.desk.settings.oidc,
            "path": self.request.url.path,
        }
        response = self.desk.templates.TemplateResponse(
            self.request, template, values, status_code=status
        )
        return self.keep_cookie(response)

    def keep_cookie(self, response: Response) -> Response:
        if self.browser is not None and self.browser.new:
            set_cookie(response, self.browser.token, self.desk.settings)
        return response

    def visitor(self) -> BrowserSession:
        """This browser's session, started now if it has none (for CSRF before sign-in)."""
        if self.browser is None:
            self.browser = self.desk.sessions.start(self.desk.now())
        return self.browser

    def redirect(self, url: str) -> Response:
        return self.keep_cookie(RedirectResponse(url, status_code=303))


def set_cookie(response: Response, token: str, settings: WebSettings) -> None:
    response.set_cookie(
        COOKIE,
        token,
        max_age=None,  # a browser session; the server ends it after the idle time
        path="/",
        secure=True,  # browsers accept Secure cookies from http://127.0.0.1 and localhost
        httponly=True,
        samesite="lax",
    )


def clear_cookie(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/", secure=True, httponly=True, samesite="lax")


def error_page(page: Page, status: int, title: str, message: str, fix: str = "") -> Response:
    return page.render("error.html", status, title=title, message=message, fix=fix)


def page(desk: WebDesk, handler: Handler, *, who: str | None = "reviewer") -> Callable[
    [Request], Awaitable[Response]
]:  # fmt: skip
    """An endpoint around `handler`; `who`: "reviewer", "approver", "any", or None (public)."""

    async def endpoint(request: Request) -> Response:
        form: dict[str, str] = {}
        if request.method == "POST":
            raw = await request.form(max_files=0, max_fields=50)
            form = {k: v for k, v in raw.items() if isinstance(v, str)}
        token = request.cookies.get(COOKIE)
        work = functools.partial(_run, desk, handler, who, request, token, form)
        return await anyio.to_thread.run_sync(work, limiter=desk.limiter())

    return endpoint


def _run(
    desk: WebDesk,
    handler: Handler,
    who: str | None,
    request: Request,
    token: str | None,
    form: dict[str, str],
) -> Response:
    browser = desk.sessions.load(token, desk.now())
    person = desk.person(browser) if browser and browser.person else None
    current = Page(desk, request, browser, person, form, dict(request.query_params))
    if who is not None and person is None:
        if request.method == "GET":
            target = quote(
                request.url.path + (f"?{request.url.query}" if request.url.query else "")
            )
            response: Response = RedirectResponse(f"/web/signin?next={target}", status_code=303)
        else:
            response = error_page(current, 401, "Signed out", "Your session has ended.",
                                  "Sign in again.")  # fmt: skip
        if token and browser is None:
            clear_cookie(response)
        return response
    if who in ("reviewer", "approver") and person is not None and person.kind != who:
        return error_page(current, 404, "Not found", "There is no such page for you.")
    if request.method == "POST" and (browser is None or not browser.csrf_matches(form.get("csrf"))):
        return error_page(
            current, 403, "Form expired", "This form has expired or did not come from the desk.",
            "Go back, reload the page and send it again.",
        )  # fmt: skip
    try:
        return handler(current)
    except CallNotFound as error:
        return error_page(current, 404, "Not found", error.message)
    except NotFound as error:
        return error_page(current, 404, "Not found", error.message)
    except ReceiptNotWritten as error:
        return error_page(current, 503, "Nothing was opened", error.message, error.fix or "")
    except AccessRefused as error:
        return error_page(current, 403, "Not allowed", error.message, error.fix or "")
    except UserFacingError as error:
        return error_page(current, 400, "Cannot do that", error.message, error.fix or "")
    except Exception:
        # Answered here, not by Starlette's last-resort handler: that one re-raises after
        # answering, and uvicorn then drops the connection under the browser's feet.
        log.exception("page %s failed", request.url.path)
        return error_page(current, 500, "Something went wrong",
                          "The desk could not answer; the error is in its log.")  # fmt: skip
