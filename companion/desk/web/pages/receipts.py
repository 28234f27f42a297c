"""Receipts: who opened what, for whom, why; for a compliance role."""

from __future__ import annotations

from starlette.responses import Response

from companion.desk.web.desk import NotFound, Page


def receipts_page(p: Page) -> Response:
    raise NotFound("The desk service offers no receipts listing yet.")
