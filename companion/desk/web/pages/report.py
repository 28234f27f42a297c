"""The program report (aggregates only), for a role over all calls: the door decides."""

from __future__ import annotations

from starlette.responses import Response

from companion.desk.app.report import make_report
from companion.desk.web.desk import Page


def report_page(p: Page) -> Response:
    report = make_report(p.reviewer())
    return p.render("report.html", report=report)
