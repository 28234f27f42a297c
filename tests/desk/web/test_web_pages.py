"""The web desk's reviewer and approver pages beyond the calls: a reviewer's own approval
requests, the tag filter, holds that can be placed and released, and the error page."""

from __future__ import annotations

import pytest
from test_web_plays import signed_in


@pytest.fixture(scope="module")
def desk(desk_world):
    return desk_world


def test_an_unexpected_error_is_the_desks_error_page_without_its_details(desk, monkeypatch, caplog):
    import companion.desk.web.pages.report as report_page

    _world, running = desk

    def broken(_reviewer):
        raise RuntimeError("database password is hunter2 at /etc/companion-desk")

    monkeypatch.setattr(report_page, "make_report", broken)
    cora = signed_in(running, "cora")  # a role over all calls: the report page is hers
    page = cora.get("/web/report")
    assert page.status_code == 500
    assert "<h1>Something went wrong</h1>" in page.text
    assert "the error is in its log" in page.text
    for leak in ("Traceback", "RuntimeError", "hunter2", "/etc/companion-desk", "report.py"):
        assert leak not in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["cache-control"] == "no-store"
    assert "hunter2" in caplog.text  # the details are in the service's log, for IT
    assert cora.get("/web/calls").status_code == 200  # and the desk answers on
