"""`create_app(service)`: the ASGI app of the desk service.

Every route needs a signed request (`core.access.signed_request`) from a reviewer or an
approver the policy lists, each accepted once (a replayed request's nonce is refused
with 401, before anything is read); answers are JSON, errors `{"error": "..."}` with 401 (who are
you?), 403 (the door said no; the rule is named), 404 (no such call, or one the caller
may not know of: the same answer), 503 (the receipt could not be written: nothing read).
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from companion.core.access.rules import AccessRefused
from companion.core.access.signed_request import Signer, signer_of
from companion.core.errors import UserFacingError
from companion.core.policy.access import Purpose
from companion.desk.app.ledger import ReceiptNotWritten
from companion.desk.app.reads import CallFilter, Opening, ReviewerSession
from companion.desk.app.service import CallNotFound, DeskService
from companion.desk.edges.database import first_line
from companion.desk.edges.nonces import first_use

Handler = Callable[[Request], Awaitable[Response]]


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


REPLAYED = (
    "This signed request was sent before: each is accepted once (a replay is refused). "
    "Send the request again from the desk command, which signs it anew."
)


async def _signer(service: DeskService, request: Request) -> Signer | None:
    body = await request.body()
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    headers = {k.lower(): v for k, v in request.headers.items()}
    return signer_of(service.policy.access, headers, request.method, target, body, int(time.time()))


def _guarded(service: DeskService, kind: str, work: Callable[..., Any]) -> Handler:
    """Authenticate as `kind`, run `work(who, request_data)` in a thread, map errors."""

    async def endpoint(request: Request) -> Response:
        who = await _signer(service, request)
        if who is None or who.kind != kind:
            return _error(401, f"Sign the request with your {kind} key (see docs/desk.md).")
        try:
            fresh = await run_in_threadpool(
                first_use, service.db, f"{who.kind}:{who.who}", who.nonce, datetime.now(UTC)
            )
        except SQLAlchemyError as error:
            return _error(503, f"The desk's database cannot be reached ({first_line(error)}).")
        if not fresh:
            return _error(401, REPLAYED)
        body = await request.body()
        try:
            data = json.loads(body) if body else {}
        except ValueError:
            return _error(400, "The request's body is not JSON.")
        data |= {"_path": dict(request.path_params), "_query": dict(request.query_params)}
        try:
            result = await run_in_threadpool(work, who.who, data)
        except CallNotFound as error:
            return _error(404, error.message)
        except ReceiptNotWritten as error:
            return _error(503, error.shown())
        except AccessRefused as error:
            return _error(403, error.shown())
        except UserFacingError as error:
            return _error(400, error.shown())
        except (KeyError, ValueError) as error:
            return _error(400, f"The request lacks or misspells a field: {error}")
        return result if isinstance(result, Response) else JSONResponse(result)

    return endpoint


def _enrolment(service: DeskService) -> Handler:
    """`POST /enrol`: a laptop redeems an enrolment code. No reviewer signs this: the
    one-time code is the authority, and the device signs the request with its own key."""
    from companion.desk.app.devices import TooManyEnrolments, redeem

    async def endpoint(request: Request) -> Response:
        body = await request.body()
        address = request.client.host if request.client else "unknown"
        try:
            done = await run_in_threadpool(redeem, service, body[:8192], address)
        except TooManyEnrolments as error:
            return _error(429, error.message)
        except UserFacingError as error:
            return _error(403, error.message)
        return JSONResponse({"rep": done.rep, "team": done.team, "device": done.device})

    return endpoint


def _opening(data: dict[str, Any]) -> Opening:
    return Opening(Purpose(data["purpose"]), str(data.get("reason", "")), data.get("approval"))


def _filter(query: dict[str, str]) -> CallFilter:
    def when(name: str) -> datetime | None:
        return datetime.fromisoformat(query[name]) if query.get(name) else None

    return CallFilter(
        rep=query.get("rep") or None,
        call_type=query.get("call_type") or None,
        since=when("since"),
        until=when("until"),
        limit=int(query.get("limit", 100)),
        offset=int(query.get("offset", 0)),
        team=query.get("team") or None,
        tag=query.get("tag") or None,
    )


def _ingesting(service: DeskService, every: float) -> Any:
    """A lifespan that ingests the store every `every` seconds (0: never) in a thread."""
    import asyncio
    import contextlib
    import logging

    from companion.desk.app.ingest import ingest

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> Any:
        async def loop() -> None:
            while True:
                await asyncio.sleep(every)
                try:
                    await run_in_threadpool(ingest, service)
                except Exception:  # the next pass tries again; the log says why
                    logging.getLogger(__name__).exception("ingest failed")

        task = asyncio.create_task(loop()) if every > 0 else None
        yield
        if task is not None:
            task.cancel()

    return lifespan


def create_app(service: DeskService, *, ingest_every: float = 0) -> Starlette:
    from companion.desk.app import approvals, evidence, holds, report

    def reviewer(work: Callable[[ReviewerSession, dict[str, Any]], Any]) -> Handler:
        return _guarded(
            service, "reviewer", lambda who, data: work(ReviewerSession(service, who), data)
        )

    def approver(work: Callable[[str, dict[str, Any]], Any]) -> Handler:
        return _guarded(service, "approver", work)

    def call(data: dict[str, Any]) -> str:
        return str(data["_path"]["call"])

    def audio(session: ReviewerSession, data: dict[str, Any]) -> Response:
        chunks = session.audio(call(data), _opening(data))  # the receipt is committed here
        return StreamingResponse(chunks, media_type="audio/ogg")

    routes = [
        Route("/enrol", _enrolment(service), methods=["POST"]),
        Route(
            "/calls",
            reviewer(lambda s, d: [c.as_json() for c in s.calls(_filter(d["_query"]))]),
        ),
        Route(
            "/calls/{call}/open",
            reviewer(lambda s, d: s.open(call(d), _opening(d))),
            methods=["POST"],
        ),
        Route(
            "/calls/{call}/moments",
            reviewer(lambda s, d: {"vtt": s.moments(call(d), _opening(d))}),
            methods=["POST"],
        ),
        Route(
            "/calls/{call}/transcript",
            reviewer(lambda s, d: {"vtt": s.transcript(call(d), _opening(d))}),
            methods=["POST"],
        ),
        Route("/calls/{call}/audio", reviewer(audio), methods=["POST"]),
        Route(
            "/calls/{call}/export",
            reviewer(lambda s, d: evidence.export_json(s, call(d), _opening(d))),
            methods=["POST"],
        ),
        Route("/report", reviewer(lambda s, _d: report.report_json(s))),
        Route(
            "/approvals",
            reviewer(
                lambda s, d: approvals.request_approval(
                    s, list(d["calls"]), Purpose(d["purpose"]), str(d.get("reason", ""))
                )
            ),
            methods=["POST"],
        ),
        Route(
            "/approvals/pending",
            approver(lambda who, _d: approvals.ApproverSession(service, who).pending()),
        ),
        Route(
            "/approvals/{approval}/decision",
            approver(
                lambda who, d: approvals.ApproverSession(service, who).decide(
                    d["_path"]["approval"],
                    approve=bool(d["approve"]),
                    reason=str(d.get("reason", "")),
                    days=int(d.get("days", 7)),
                )
            ),
            methods=["POST"],
        ),
        Route("/holds", approver(lambda _who, _d: holds.standing_holds(service))),
        Route(
            "/holds/place",
            approver(lambda who, d: holds.place_hold(service, who, d["document"].encode())),
            methods=["POST"],
        ),
        Route(
            "/holds/{hold}/release",
            approver(
                lambda who, d: holds.release_hold(
                    service, who, d["_path"]["hold"], d["document"].encode()
                )
            ),
            methods=["POST"],
        ),
    ]
    return Starlette(routes=routes, lifespan=_ingesting(service, ingest_every))
