"""A rep's calendar for tests: an ICS file with real time zones and a weekly meeting, and
a real local HTTP server (the standard library's) that serves it."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import ClassVar

# Monday 7 December 2026, 08:10 UTC: 09:10 in Berlin (CET, UTC+1).
NOW = datetime(2026, 12, 7, 8, 10, tzinfo=UTC)

# Europe/Berlin as Outlook and Google write it: the zone's rules in the file itself.
BERLIN = """BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE"""

# The weekly meeting began in October (summer time: 07:00 UTC); today's occurrence is
# 09:00-10:00 Berlin = 08:00-09:00 UTC, in progress at NOW. A clock read as if 09:00 were
# UTC would place it 50 minutes ahead instead.
WEEKLY = """BEGIN:VEVENT
UID:weekly-acme@example.test
DTSTAMP:20261001T120000Z
DTSTART;TZID=Europe/Berlin:20261005T090000
DTEND;TZID=Europe/Berlin:20261005T100000
RRULE:FREQ=WEEKLY;BYDAY=MO
SUMMARY:Acme weekly renewal check-in
ORGANIZER;CN=Rep:mailto:rep@seller.example
ATTENDEE;CN=Jane:mailto:jane@acme.example
DESCRIPTION:Dial-in 555-0100 PIN 7321 (Zebrafish notes)
END:VEVENT"""

# Starting soon (09:30 Berlin = 08:30 UTC): a demo with someone at globex.example.
SOON = """BEGIN:VEVENT
UID:demo-globex@example.test
DTSTAMP:20261201T120000Z
DTSTART;TZID=Europe/Berlin:20261207T093000
DTEND;TZID=Europe/Berlin:20261207T100000
SUMMARY:Product demo
ORGANIZER:mailto:rep@seller.example
ATTENDEE:mailto:bob@sales.globex.example
END:VEVENT"""

# Over before NOW, and an all-day event: neither is offered.
OVER_AND_ALL_DAY = """BEGIN:VEVENT
UID:early@example.test
DTSTAMP:20261201T120000Z
DTSTART:20261207T070000Z
DTEND:20261207T073000Z
SUMMARY:Initech discovery call
END:VEVENT
BEGIN:VEVENT
UID:allday@example.test
DTSTAMP:20261201T120000Z
DTSTART;VALUE=DATE:20261207
DTEND;VALUE=DATE:20261208
SUMMARY:Sales kick-off week
END:VEVENT"""


def ics(*events: str) -> bytes:
    body = "\n".join(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//Rep Companion tests//EN",
            BERLIN,
            *events,
            "END:VCALENDAR",
            "",
        ]
    )
    return body.replace("\n", "\r\n").encode("utf-8")


WEEK = ics(WEEKLY, SOON, OVER_AND_ALL_DAY)


class _Handler(http.server.BaseHTTPRequestHandler):
    files: ClassVar[dict[str, bytes]] = {}

    def do_GET(self) -> None:
        body = self.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/calendar; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet test output


@contextmanager
def serving(files: dict[str, bytes]) -> Iterator[str]:
    """A real HTTP server on a free loopback port serving `files` by path; yields its base
    address (http://127.0.0.1:PORT)."""
    handler = type("Handler", (_Handler,), {"files": dict(files)})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
