"""One call: "why are you opening this?" first, then the call's page (moments on a
timeline, notes, CRM fields, the transcript on request, an audio player that seeks).

The purpose and reason the reviewer gives are kept in their session for that call only
(an `Opening`); every read asks the service again with it, and the service's door
decides and writes the receipt before it decrypts: opening the page ("open"), reading the
transcript ("read"), pressing Play ("play": one receipt per play; the player's byte-range
requests carry that play's token and write none), the evidence export ("export").
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from typing import Any

from starlette.responses import JSONResponse, Response

from companion.core.access.door import Read
from companion.core.access.rules import AccessRefused, role_of
from companion.core.errors import UserFacingError
from companion.core.policy.access import Part, Purpose
from companion.desk.app.reads import Opening
from companion.desk.web.desk import Page
from companion.desk.web.pages.show import call_id, clock, when
from companion.desk.web.pages.transcript import lines_of

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _openings(p: Page) -> dict[str, dict[str, Any]]:
    assert p.browser is not None
    found: dict[str, dict[str, Any]] = p.browser.data.setdefault("openings", {})
    return found


def opening_for(p: Page, call: str) -> Opening | None:
    kept = _openings(p).get(call)
    if kept is None:
        return None
    return Opening(Purpose(kept["purpose"]), kept["reason"], kept.get("approval") or None)


def _role_parts(p: Page) -> tuple[list[Purpose], list[Part]]:
    found = role_of(p.desk.service.policy.access, p.person.id if p.person else "")
    return (list(found[1].purposes), list(found[1].parts)) if found else ([], [])


def _label(purpose: Purpose) -> str:
    return purpose.label.capitalize().replace("Hr ", "HR ")


def live_play(p: Page, call: str, opening: Opening) -> str | None:
    """The token of this session's play of `call`, if it is for this opening and not over."""
    assert p.browser is not None
    kept = p.browser.data.get("plays", {}).get(call)
    if not kept or kept.get("purpose") != opening.purpose.value:
        return None
    if kept.get("approval") != opening.approval:
        return None
    if datetime.fromisoformat(kept["expires"]) <= p.desk.now():
        return None
    return str(kept["token"])


def _start_at(text: str | None) -> str:
    try:
        return f"{max(0.0, min(float(text or 0), 24 * 3600.0)):g}"
    except ValueError:
        return "0"


def purpose_page(p: Page, call: str, status: int = 200, **extra: Any) -> Response:
    purposes, _parts = _role_parts(p)
    requested = p.browser.data.get("requested", {}).get(call, "") if p.browser else ""
    values: dict[str, Any] = {
        "call": call,
        "purposes": [(x.value, _label(x), x.is_performance) for x in purposes],
        "chosen": p.form.get("purpose", "") or p.query.get("purpose", ""),
        "reason": p.form.get("reason", ""),
        "approval": p.form.get("approval", "") or p.query.get("approval", "")[:80] or requested,
        "error": "",
        "needs_approval": False,
        "requested": "",
    }
    return p.render("purpose.html", status, **(values | extra))


def call_page(p: Page) -> Response:
    call = call_id(p.arg("call"))
    reviewer = p.reviewer()
    opening = opening_for(p, call)
    if opening is None:
        # The purpose form only for a call the role covers; any other id is "not found".
        reviewer.decide(call, Read.LIST, Opening(Purpose.COACHING, ""))
        return purpose_page(p, call)
    facts = reviewer.open(call, opening)  # receipt "open" first, then decrypted
    row = reviewer.find_row(call)
    _purposes, parts = _role_parts(p)
    has_audio = bool(row and row.has_audio) and Part.AUDIO in parts
    has_transcript = bool(row and row.has_transcript) and Part.TRANSCRIPT in parts
    token = live_play(p, call, opening) if has_audio else None
    lines = []
    if has_transcript and p.query.get("part") == "transcript":
        lines = lines_of(reviewer.transcript(call, opening))  # receipt "read"
    moments = sorted(facts.get("moments") or [], key=lambda m: m.get("offset_ms") or 0)
    started, ended = (
        (facts.get("call") or {}).get("started_at"),
        (facts.get("call") or {}).get("ended_at"),
    )
    return p.render(
        "call.html",
        call=call,
        facts=facts,
        call_type=(facts.get("call_type") or {}).get("label", ""),
        started=when(started),
        moments=[
            m | {"at": clock(m.get("offset_ms")), "seconds": (m.get("offset_ms") or 0) / 1000}
            for m in moments
        ],
        crm=sorted((facts.get("crm_fields") or {}).items()),
        consent=(facts.get("consent") or {}).get("status", ""),
        opening=opening,
        has_audio=has_audio,
        play=token,
        start_at=_start_at(p.query["at"]) if "at" in p.query else None,
        has_transcript=has_transcript,
        lines=[(clock(line.start_ms), line.start_ms / 1000, line) for line in lines],
        show_transcript=p.query.get("part") == "transcript",
        ended=when(ended),
    )


def why(p: Page) -> Response:
    """The purpose form: checked by the door (no receipt yet), then kept for this call."""
    call = call_id(p.arg("call"))
    try:
        purpose = Purpose(p.form.get("purpose", ""))
    except ValueError:
        return purpose_page(p, call, 400, error="Choose a purpose.")
    reason = p.form.get("reason", "").strip()[:500]
    if not reason:
        return purpose_page(p, call, 400, error="Say why you open this call.")
    opening = Opening(purpose, reason, p.form.get("approval", "").strip() or None)
    try:
        p.reviewer().decide(call, Read.OPEN, opening)
    except AccessRefused as error:
        if type(error) is not AccessRefused:
            raise  # a call that is not there (or not for this reviewer): 404
        needs = purpose.is_performance and "desk.approvals" in error.message
        return purpose_page(p, call, 403, error=error.message, needs_approval=needs)
    assert p.browser is not None
    _openings(p)[call] = {"purpose": purpose.value, "reason": reason, "approval": opening.approval}
    p.desk.sessions.save_data(p.browser)
    return p.redirect(f"/web/calls/{call}")


def close(p: Page) -> Response:
    call = call_id(p.arg("call"))
    if p.browser is not None and _openings(p).pop(call, None) is not None:
        p.browser.data.get("plays", {}).pop(call, None)
        p.desk.sessions.save_data(p.browser)
    return p.redirect("/web/calls")


def _needs_opening(p: Page, call: str) -> Opening:
    opening = opening_for(p, call)
    if opening is None:
        p.reviewer().decide(call, Read.LIST, Opening(Purpose.COACHING, ""))  # 404 for others
        raise AccessRefused("Say why you open this call first.")
    return opening


def play(p: Page) -> Response:
    """Pressing Play: the door and the receipt "play" now, once; the player then asks for
    byte ranges with this play's token (a seek is not another play)."""
    call = call_id(p.arg("call"))
    opening = _needs_opening(p, call)
    assert p.browser is not None
    started = p.reviewer().start_play(call, opening, p.browser.holder)  # receipt "play"
    p.browser.data.setdefault("plays", {})[call] = {
        "token": started.token,
        "expires": started.expires_at.isoformat(),
        "purpose": opening.purpose.value,
        "approval": opening.approval,
    }
    p.desk.sessions.save_data(p.browser)
    at = _start_at(p.form.get("at"))
    source = f"/web/calls/{call}/audio/{started.token}"
    if "application/json" in p.request.headers.get("accept", ""):
        # desk.js starts the player in place: showing the page again would be another read
        return JSONResponse({"src": source, "at": float(at)})
    return p.redirect(f"/web/calls/{call}?at={at}#h-listen")


def audio(p: Page) -> Response:
    """The call's audio for the page's player, within one play; byte ranges so it seeks."""
    call = call_id(p.arg("call"))
    opening = _needs_opening(p, call)
    assert p.browser is not None
    chunks = p.reviewer().play_audio(call, opening, p.arg("play"), p.browser.holder)
    data = b"".join(chunks)  # no receipt here: the play's was written when it started
    headers = {"accept-ranges": "bytes", "content-type": "audio/ogg"}
    found = RANGE.match(p.request.headers.get("range", ""))
    if found is None or not data:
        return Response(data, headers=headers)
    first, last = found.groups()
    if first:
        start, end = int(first), min(int(last) if last else len(data) - 1, len(data) - 1)
    else:
        start, end = max(0, len(data) - int(last or 0)), len(data) - 1
    if start > end:
        return Response(b"", 416, headers={"content-range": f"bytes */{len(data)}"})
    headers["content-range"] = f"bytes {start}-{end}/{len(data)}"
    return Response(data[start : end + 1], 206, headers=headers)


def export(p: Page) -> Response:
    """The evidence bundle as a zip file (the service signs it; receipt "export")."""
    from companion.desk.app.evidence import export_bundle

    call = call_id(p.arg("call"))
    files = export_bundle(p.reviewer(), call, _needs_opening(p, call))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, data in sorted(files.items()):
            bundle.writestr(f"{call}-evidence/{name}", data)
    if not files:
        raise UserFacingError("The service returned an empty bundle.")
    return Response(
        buffer.getvalue(),
        media_type="application/zip",
        headers={"content-disposition": f'attachment; filename="{call}-evidence.zip"'},
    )
