"""The web desk over raw HTTP: each door someone should not get through stays shut."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from web_desk_client import WebClient, start_play
from web_desk_client import open_call as _open
from web_desk_world import MARKUP_REP, PASSWORD, SCRIPT


@pytest.fixture(scope="module")
def desk(desk_world):
    return desk_world


@pytest.fixture
def dana(desk):
    _world, running = desk
    client = WebClient(running.url)
    assert client.sign_in("dana", PASSWORD).status_code == 303
    yield client
    client.close()


def test_a_manager_of_team_a_lists_team_a_only(desk, dana):
    world, _running = desk
    page = dana.get("/web/calls")
    assert page.status_code == 200
    for mine in ("alice", "alice2", "bob", "markup"):
        assert world.calls[mine] in page.text
    assert world.calls["carol"] not in page.text
    assert "Globex" not in page.text


def test_another_teams_call_by_id_is_not_found_and_says_nothing(desk, dana):
    world, _running = desk
    theirs = dana.get(f"/web/calls/{world.calls['carol']}")
    nothing = dana.get("/web/calls/call-does-not-exist")
    assert theirs.status_code == nothing.status_code == 404
    assert "carol" not in theirs.text and "Globex" not in theirs.text
    for path in ("audio/any-token", "why", "play", "export"):
        method = (
            dana.get
            if path.startswith("audio")
            else lambda p: dana.post(p, {"purpose": "coaching", "reason": "x"})
        )
        answer = method(f"/web/calls/{world.calls['carol']}/{path}")
        assert answer.status_code == 404 and "carol" not in answer.text


def test_a_form_without_its_csrf_token_is_refused(desk, dana):
    world, _running = desk
    call = world.calls["alice"]
    dana.get(f"/web/calls/{call}")
    refused = dana.post(
        f"/web/calls/{call}/why", {"purpose": "coaching", "reason": "x"}, csrf=False
    )
    forged = dana.http.post(
        f"/web/calls/{call}/why",
        data={"purpose": "coaching", "reason": "x", "csrf": "guessed"},
        headers={"cookie": f"__Host-desk={dana.cookie}"},
    )
    assert refused.status_code == forged.status_code == 403
    assert "expired" in refused.text
    # and nothing was opened: the call still asks why
    assert "Why are you opening" in dana.get(f"/web/calls/{call}").text


def test_user_text_is_shown_as_text_never_as_markup(desk, dana):
    world, _running = desk
    listing = dana.get("/web/calls").text
    assert MARKUP_REP not in listing and "&lt;img src=x onerror=alert(1)&gt;" in listing
    assert _open(dana, world.calls["bob"]).status_code == 303
    page = dana.get(f"/web/calls/{world.calls['bob']}?part=transcript").text
    assert SCRIPT not in page
    assert (
        "&lt;script&gt;document.title=&#39;owned&#39;&lt;/script&gt;" in page
    )  # note, CRM, transcript
    assert page.count("&lt;script&gt;") >= 3
    assert handlers_and_scripts(page) == [] and handlers_and_scripts(listing) == []
    assert '<mark class="masked" aria-label="masked number">[number]</mark>' in page


def test_a_session_reused_after_sign_out_is_refused(desk):
    _world, running = desk
    client = WebClient(running.url)
    client.sign_in("vik", PASSWORD)
    assert client.get("/web/calls").status_code == 200
    old, csrf = client.cookie, client.csrf
    assert client.post("/web/signout", {}).status_code == 303
    client.cookie = old  # a copy of the cookie, replayed
    after = client.get("/web/calls")
    assert after.status_code == 303 and after.headers["location"].startswith("/web/signin")
    client.csrf = csrf
    assert client.post("/web/signout", {}).status_code == 401


def test_twenty_wrong_passwords_pause_the_account(desk):
    _world, running = desk
    client = WebClient(running.url)
    codes = [client.sign_in("legal", f"wrong {n}").status_code for n in range(20)]
    assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}
    paused = client.sign_in("legal", PASSWORD)  # even the right password waits now
    assert paused.status_code == 429 and "15 minutes" in paused.text
    # another account from elsewhere is not paused by it
    assert WebClient(running.url).sign_in("vik", PASSWORD).status_code == 303


def test_headers_forbid_inline_script_framing_and_sniffing(desk, dana):
    page = dana.get("/web/calls")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["cache-control"] == "no-store"
    assert "<script>" not in page.text and 'src="/web/static/desk.js"' in page.text
    assert handlers_and_scripts(page.text) == []


def handlers_and_scripts(text: str) -> list[str]:
    """Every inline script or event-handler attribute in a page (there must be none)."""
    found: list[str] = []

    class Finder(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.extend(f"{tag} {k}" for k, _v in attrs if k.startswith("on"))
            if tag == "script" and not dict(attrs).get("src"):
                found.append("inline script")

    Finder().feed(text)
    return found


def test_errors_are_pages_not_tracebacks(desk, dana):
    missing = dana.get("/web/no-such-page")
    assert missing.status_code == 404 and "<h1>Not found</h1>" in missing.text
    wrong = dana.get("/web/approvals")  # an approver's page, for a reviewer
    assert wrong.status_code == 404
    assert "Traceback" not in missing.text + wrong.text


def test_signing_in_sets_a_new_httponly_samesite_cookie(desk):
    _world, running = desk
    client = WebClient(running.url)
    client.get("/web/signin")
    visitor = client.cookie
    answer = client.post("/web/signin", {"name": "dana", "password": PASSWORD})
    header = answer.headers["set-cookie"]
    assert "HttpOnly" in header and "SameSite=lax" in header and "Secure" in header
    assert client.cookie != visitor  # no session fixation


def test_receipts_are_for_a_role_over_all_calls(desk):
    world, running = desk
    dana = WebClient(running.url)
    dana.sign_in("dana", PASSWORD)
    _open(dana, world.calls["alice"], reason="receipts page check")
    dana.get(f"/web/calls/{world.calls['alice']}")  # the "open" receipt
    assert dana.get("/web/receipts").status_code == 403  # a manager of one team: no
    cora = WebClient(running.url)
    cora.sign_in("cora", PASSWORD)
    page = cora.get("/web/receipts?rep=alice")
    assert page.status_code == 200
    assert "Viewed" in page.text and "Dana Lee" in page.text and "receipts page check" in page.text


def test_filters_narrow_within_what_the_role_sees(desk, dana):
    world, running = desk
    listed = dana.get("/web/calls?transcript=no").text
    assert world.calls["bob_notes"] in listed and world.calls["alice"] not in listed
    assert world.calls["carol"] not in dana.get("/web/calls?team=team_b").text  # still team A's
    vik = WebClient(running.url)
    vik.sign_in("vik", PASSWORD)
    team_b = vik.get("/web/calls?team=team_b").text
    assert world.calls["carol"] in team_b and world.calls["alice"] not in team_b
    assert world.calls["alice2"] not in vik.get("/web/calls?rep=bob").text


def test_audio_answers_byte_ranges_after_a_reason_only(desk, dana):
    world, _running = desk
    call = world.calls["alice2"]
    assert dana.post(f"/web/calls/{call}/play", {}).status_code == 403  # no reason given yet
    _open(dana, call)
    token = start_play(dana, call)
    part = dana.get(f"/web/calls/{call}/audio/{token}", range="bytes=0-99")
    assert part.status_code == 206 and len(part.content) == 100
    assert part.content[:4] == b"OggS" and part.headers["content-range"].startswith("bytes 0-99/")
    whole = dana.get(f"/web/calls/{call}/audio/{token}")
    assert whole.status_code == 200 and whole.content[:100] == part.content
