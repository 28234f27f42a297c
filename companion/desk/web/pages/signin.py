"""Sign-in, sign-out and the OpenID Connect round trip, as pages."""

from __future__ import annotations

from starlette.responses import RedirectResponse, Response

from companion.desk.web.desk import Page, clear_cookie, error_page
from companion.desk.web.signin.accounts import SignInRefused, TooManyAttempts
from companion.desk.web.signin.oidc import OidcProblem
from companion.desk.web.signin.people import Person, person_for_claim, person_of


def _next(value: str | None) -> str:
    """Only a page of this desk: never another site (an open redirect)."""
    if value and value.startswith("/web/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/web/"


def _signed_in(p: Page, person: Person, target: str) -> Response:
    p.browser = p.desk.sessions.sign_in(p.browser, person.key, p.desk.now())
    return p.redirect(_next(target))


def signin_form(p: Page) -> Response:
    if p.person is not None:
        return p.redirect("/web/")
    p.visitor()
    return p.render("signin.html", next=_next(p.query.get("next")), error="", name="")


def signin(p: Page) -> Response:
    name, password = p.form.get("name", ""), p.form.get("password", "")
    target = _next(p.form.get("next"))
    address = p.request.client.host if p.request.client else "unknown"
    try:
        key = p.desk.accounts.check(name, password, address, p.desk.now())
    except TooManyAttempts as error:
        return p.render("signin.html", 429, next=target, error=error.shown(), name=name)
    except SignInRefused as error:
        return p.render("signin.html", 401, next=target, error=error.message, name=name)
    person = person_of(p.desk.service.policy.access, key)
    if person is None:
        return p.render(
            "signin.html", 403, next=target, name=name,
            error="Your account is not a reviewer or approver in the organisation's policy.",
        )  # fmt: skip
    return _signed_in(p, person, target)


def signout(p: Page) -> Response:
    if p.browser is not None:
        p.desk.sessions.end(p.browser.token, p.desk.now())
    response = RedirectResponse("/web/signin", status_code=303)
    clear_cookie(response)
    return response


def _callback_url(p: Page) -> str:
    base = p.desk.settings.public_url or str(p.request.base_url).rstrip("/")
    return f"{base}/web/auth/callback"


def oidc_start(p: Page) -> Response:
    if p.desk.oidc is None:
        return error_page(p, 404, "Not found", "This desk has no identity provider set up.")
    browser = p.visitor()
    url, pending = p.desk.oidc.start(_callback_url(p))
    browser.data["oidc"] = pending | {"next": _next(p.query.get("next"))}
    p.desk.sessions.save_data(browser)
    return p.keep_cookie(RedirectResponse(url, status_code=303))


def oidc_callback(p: Page) -> Response:
    if p.desk.oidc is None:
        return error_page(p, 404, "Not found", "This desk has no identity provider set up.")
    if "error" in p.query:
        return error_page(p, 401, "Not signed in", "The identity provider did not sign you in.",
                          "Start the sign-in again.")  # fmt: skip
    pending = p.browser.data.get("oidc", {}) if p.browser else {}
    try:
        claims = p.desk.oidc.finish(pending, p.query.get("state", ""), p.query.get("code", ""))
    except OidcProblem as error:
        return error_page(p, 401, "Not signed in", error.message, error.fix)
    settings = p.desk.settings
    assert settings.oidc is not None
    value = str(claims.get(settings.oidc.claim, ""))
    if settings.oidc.claim == "email" and claims.get("email_verified") is False:
        value = ""
    person = person_for_claim(p.desk.service.policy.access, settings.people, value)
    if person is None:
        return error_page(
            p, 403, "Not a reviewer",
            f"'{value}' is not a reviewer or approver in the organisation's policy.",
            "Ask the desk's administrator to map you under [web.people].",
        )  # fmt: skip
    return _signed_in(p, person, str(pending.get("next", "/web/")))
