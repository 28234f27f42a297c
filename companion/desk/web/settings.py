"""The web desk's settings: the `[web]` section of the service's `desk.toml`.

    [web]
    idle_minutes = 30                      # a session ends after this long without a request
    workers = 4                            # pages worked on at once (the rest wait in line)
    public_url = "https://desk.example"    # where browsers reach the desk (OIDC redirect)

    [web.oidc]                             # optional: sign-in with the organisation's IdP
    issuer = "https://id.example"          # its discovery document is read at start
    client_id = "desk"
    client_secret_env = "DESK_OIDC_SECRET" # the secret from this environment variable
    claim = "email"                        # "email" or "sub": which claim names the person
    label = "Sign in with Example ID"

    [web.people]                           # ID token claim -> person in the policy's [access]
    "dana@example.com" = "reviewer:dana"
    "legal@example.com" = "approver:legal"

A claim not listed under `[web.people]` that equals a reviewer's or approver's id in
`[access]` signs in as that person; any other claim is refused. Local accounts work
with or without OIDC (`companion desk account add`).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from companion.core.errors import UserFacingError


class WebSettingsError(UserFacingError):
    """The `[web]` section cannot be used; the message names the setting."""


@dataclass(frozen=True)
class OidcSettings:
    issuer: str
    client_id: str
    client_secret: str
    claim: str = "email"
    label: str = "Sign in with your organisation"


@dataclass(frozen=True)
class WebSettings:
    idle: timedelta = timedelta(minutes=30)
    public_url: str | None = None
    oidc: OidcSettings | None = None
    people: dict[str, str] = field(default_factory=dict)
    workers: int = 4

    @classmethod
    def load(cls, path: Path) -> WebSettings:
        try:
            data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise WebSettingsError(
                f"The desk's configuration {path} cannot be read: {error}"
            ) from error
        return cls.from_section(data.get("web", {}), str(path))

    @classmethod
    def from_section(cls, web: dict[str, Any], where: str = "desk.toml") -> WebSettings:
        oidc = None
        if "oidc" in web:
            section = web["oidc"]
            try:
                secret = section.get("client_secret") or os.environ.get(
                    section.get("client_secret_env", "DESK_OIDC_SECRET"), ""
                )
                oidc = OidcSettings(
                    str(section["issuer"]).rstrip("/"),
                    str(section["client_id"]),
                    str(secret),
                    str(section.get("claim", "email")),
                    str(section.get("label", OidcSettings.label)),
                )
            except KeyError as error:
                raise WebSettingsError(f"{where}: [web.oidc] has no `{error.args[0]}`.") from error
            if oidc.claim not in ("email", "sub"):
                raise WebSettingsError(f"{where}: [web.oidc] claim is 'email' or 'sub'.")
            if not oidc.client_secret:
                raise WebSettingsError(
                    f"{where}: [web.oidc] has no client secret.",
                    "Set `client_secret_env` to a variable that holds it.",
                )
        people = {str(k): str(v) for k, v in web.get("people", {}).items()}
        for claim, person in people.items():
            if not person.startswith(("reviewer:", "approver:")):
                raise WebSettingsError(
                    f"{where}: [web.people] '{claim}' maps to '{person}', "
                    "which is neither 'reviewer:<id>' nor 'approver:<id>'."
                )
        minutes = int(web.get("idle_minutes", 30))
        if not 1 <= minutes <= 24 * 60:
            raise WebSettingsError(f"{where}: [web] idle_minutes is 1 to 1440.")
        public = web.get("public_url")
        workers = int(web.get("workers", 4))
        if not 1 <= workers <= 64:
            raise WebSettingsError(f"{where}: [web] workers is 1 to 64.")
        public_url = str(public).rstrip("/") if public else None
        return cls(timedelta(minutes=minutes), public_url, oidc, people, workers)
