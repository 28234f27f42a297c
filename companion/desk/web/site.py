"""`mount_web(app, service, settings)`: the web desk's pages at `/web`, in the same ASGI
app as the service's JSON routes, and `/` sends browsers there."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from companion.desk.app.service import DeskService
from companion.desk.web.desk import Handler, Page, WebDesk, error_page, page
from companion.desk.web.security import SecurityHeaders
from companion.desk.web.settings import WebSettings

HERE = Path(__file__).resolve().parent


def _templates() -> Jinja2Templates:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,  # every value is text unless a template says otherwise (none do)
        undefined=jinja2.StrictUndefined,
    )
    return Jinja2Templates(env=env)


def web_desk(service: DeskService, settings: WebSettings) -> WebDesk:
    from sqlalchemy.engine import Engine

    from companion.desk.web.signin.accounts import Accounts, migrate
    from companion.desk.web.signin.oidc import OidcClient
    from companion.desk.web.signin.sessions import Sessions

    engine = service.db.kw["bind"]
    assert isinstance(engine, Engine)
    migrate(engine)
    return WebDesk(
        service,
        settings,
        Accounts(service.db),
        Sessions(service.db, settings.idle),
        _templates(),
        OidcClient(settings.oidc) if settings.oidc else None,
        workers=settings.workers,
    )


def _home(p: Page) -> Response:
    assert p.person is not None
    return p.redirect("/web/calls" if p.person.is_reviewer else "/web/approvals")


def web_app(desk: WebDesk) -> Starlette:
    from companion.desk.web.pages import (
        approvals,
        call,
        calls,
        fleet,
        holds,
        receipts,
        report,
        signin,
    )

    table: list[tuple[str, Handler, str | None, bool]] = [
        ("/", _home, "any", False),
        ("/signin", signin.signin_form, None, False),
        ("/signin", signin.signin, None, True),
        ("/signout", signin.signout, "any", True),
        ("/auth/oidc", signin.oidc_start, None, False),
        ("/auth/callback", signin.oidc_callback, None, False),
        ("/calls", calls.calls_page, "reviewer", False),
        ("/calls/{call}", call.call_page, "reviewer", False),
        ("/calls/{call}/why", call.why, "reviewer", True),
        ("/calls/{call}/close", call.close, "reviewer", True),
        ("/calls/{call}/play", call.play, "reviewer", True),
        ("/calls/{call}/audio/{play}", call.audio, "reviewer", False),
        ("/calls/{call}/export", call.export, "reviewer", True),
        ("/approvals/ask", approvals.ask, "reviewer", True),
        ("/requests", approvals.mine, "reviewer", False),
        ("/approvals", approvals.inbox, "approver", False),
        ("/approvals/{approval}", approvals.decide, "approver", True),
        ("/holds", holds.holds_page, "approver", False),
        ("/holds", holds.place, "approver", True),
        ("/holds/{hold}/release", holds.release, "approver", True),
        ("/receipts", receipts.receipts_page, "reviewer", False),
        ("/report", report.report_page, "reviewer", False),
        ("/fleet", fleet.fleet_page, "reviewer", False),
    ]
    routes: list[Route | Mount] = []
    for path, handler, who, post in table:
        endpoint = page(desk, handler, who=who)
        routes.append(Route(path, endpoint, methods=["POST"] if post else ["GET"]))
    routes.append(Mount("/static", StaticFiles(directory=HERE / "static"), name="static"))

    async def not_found(request: Request, _error: Exception) -> Response:
        return _plain_error(desk, request, 404, "Not found", "There is no such page.")

    async def broken(request: Request, _error: Exception) -> Response:
        return _plain_error(desk, request, 500, "Something went wrong",
                            "The desk could not answer; the error is in its log.")  # fmt: skip

    async def wrong_method(request: Request, _error: Exception) -> Response:
        return _plain_error(desk, request, 405, "Not here", "This page does not take that.")

    return Starlette(
        routes=routes,
        exception_handlers={404: not_found, 405: wrong_method, 500: broken, Exception: broken},
    )


def _plain_error(desk: WebDesk, request: Request, status: int, title: str, text: str) -> Response:
    return error_page(Page(desk, request, None, None), status, title, text)


def mount_web(app: Starlette, service: DeskService, settings: WebSettings) -> WebDesk:
    """Add the web desk to the service's app: `/web/...`, and `/` redirects there."""
    desk = web_desk(service, settings)
    app.router.routes.insert(0, Route("/", lambda _r: RedirectResponse("/web/", 303)))
    app.router.routes.insert(0, Mount("/web", SecurityHeaders(web_app(desk))))
    return desk
