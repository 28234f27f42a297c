"""Reading the rep's calendar from a real HTTP server or a file: time zones, a weekly
meeting, and every way it can fail said in one line."""

from __future__ import annotations

import http.server
import socket
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from calendar_helpers import NOW, WEEK, ics, serving

from companion.edges import calendar
from companion.edges.calendar import CalendarError, calendar_source, read_calendar

UTC_TIMES = {
    "Acme weekly renewal check-in": ("08:00", "09:00"),
    "Product demo": ("08:30", "09:00"),
    "Initech discovery call": ("07:00", "07:30"),
}


def utc_times(meetings) -> dict[str, tuple[str, str]]:
    return {
        m.title: (f"{m.start.astimezone(UTC):%H:%M}", f"{m.end.astimezone(UTC):%H:%M}")
        for m in meetings
    }


def test_a_served_calendar_gives_todays_occurrence_of_a_weekly_meeting_in_utc():
    with serving({"/rep.ics": WEEK}) as base:
        meetings = read_calendar(calendar_source(f"{base}/rep.ics"), NOW)
    # 09:00 in Berlin in December is 08:00 UTC (and was 07:00 UTC when the series began).
    assert utc_times(meetings) == UTC_TIMES  # the all-day event is not a meeting
    weekly = next(m for m in meetings if m.title.startswith("Acme"))
    assert weekly.people == ("rep@seller.example", "jane@acme.example")


def test_a_zone_known_only_by_its_vtimezone_is_read_from_the_file():
    custom = ics(
        "BEGIN:VEVENT\nUID:x@test\nDTSTAMP:20261201T000000Z\n"
        "DTSTART;TZID=Customer Office:20261207T090000\n"
        "DTEND;TZID=Customer Office:20261207T093000\nSUMMARY:Custom zone\nEND:VEVENT"
    ).replace(b"TZID:Europe/Berlin", b"TZID:Customer Office")
    with serving({"/c.ics": custom}) as base:
        meetings = read_calendar(calendar_source(f"{base}/c.ics"), NOW)
    assert utc_times(meetings) == {"Custom zone": ("08:00", "08:30")}


def test_a_local_file_and_a_webcal_address_are_read(tmp_path):
    path = tmp_path / "rep.ics"
    path.write_bytes(WEEK)
    assert utc_times(read_calendar(calendar_source(str(path)), NOW)) == UTC_TIMES
    assert utc_times(read_calendar(calendar_source(path.as_uri()), NOW)) == UTC_TIMES
    assert calendar_source("webcal://cal.example/rep.ics").url == "https://cal.example/rep.ics"


def one_line_error(text: str) -> str:
    with pytest.raises(CalendarError) as caught:
        read_calendar(calendar_source(text), NOW)
    words = caught.value.shown()
    assert "\n" not in words
    return words


def test_a_missing_page_is_one_line_naming_only_the_host():
    with serving({}) as base:
        words = one_line_error(f"{base}/private-token-123/rep.ics")
    assert words.startswith("Calendar not read: 127.0.0.1 answered 404.")
    assert "private-token-123" not in words  # the address's secret part is never said


def test_no_server_a_web_page_and_another_scheme_are_one_line_each(tmp_path):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert "could not be reached" in one_line_error(f"http://127.0.0.1:{port}/rep.ics")
    with serving({"/page": b"<html><body>Sign in</body></html>"}) as base:
        assert "is not a calendar (ICS) file" in one_line_error(f"{base}/page")
    assert "'ftp:' addresses are not read" in one_line_error("ftp://cal.example/rep.ics")
    assert "No such file" in one_line_error(str(tmp_path / "gone.ics"))


def test_a_huge_answer_is_cut_off(monkeypatch):
    monkeypatch.setattr(calendar, "MOST_BYTES", 1000)
    with serving({"/big.ics": WEEK + b" " * 2000}) as base:
        assert "is larger than" in one_line_error(f"{base}/big.ics")


def test_a_server_that_never_answers_is_given_up_on(monkeypatch):
    monkeypatch.setattr(calendar, "TIMEOUT", 0.5)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    held: list[socket.socket] = []
    accepting = threading.Thread(target=lambda: held.append(listener.accept()[0]), daemon=True)
    accepting.start()
    try:
        started = datetime.now(UTC)
        words = one_line_error(f"http://127.0.0.1:{listener.getsockname()[1]}/rep.ics")
        assert "did not answer within" in words
        assert datetime.now(UTC) - started < timedelta(seconds=5)
    finally:
        for conn in held:
            conn.close()
        listener.close()


class _Dripping(http.server.BaseHTTPRequestHandler):
    """Answers at once, then a byte every 50 ms: never silent long, never done."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/calendar")
        self.end_headers()
        try:
            for _ in range(200):
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(0.05)  # the slow server under test, not a wait in the test
        except OSError:
            pass  # the client gave up, as it should

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_a_server_dripping_bytes_is_given_up_on_in_all(monkeypatch):
    monkeypatch.setattr(calendar, "WHOLE_READ", 0.5)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Dripping)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        started = time.monotonic()
        words = one_line_error(f"http://127.0.0.1:{server.server_address[1]}/rep.ics")
        assert words == "Calendar not read: 127.0.0.1 took longer than 0.5 s."
        assert time.monotonic() - started < 5
    finally:
        server.shutdown()
        server.server_close()
        thread.join(15)
