"""OpenID Connect sign-in (authorization code flow with PKCE, state and nonce).

Authlib builds the authorization request and the PKCE challenge; joserfc (Authlib's JOSE
library) checks the ID token's signature against the provider's published keys, and its
issuer, audience, expiry and nonce. The browser's pre-sign-in session holds the state,
nonce and code verifier, so any service process can finish the flow.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from companion.core.errors import UserFacingError
from companion.desk.web.settings import OidcSettings

TIMEOUT = 10.0


class OidcProblem(UserFacingError):
    """The identity provider's answer cannot be used for a sign-in."""


@dataclass
class OidcClient:
    settings: OidcSettings
    _discovery: dict[str, Any] = field(default_factory=dict)
    _keys: dict[str, Any] = field(default_factory=dict)

    def _get(self, url: str) -> dict[str, Any]:
        import httpx

        try:
            answer = httpx.get(url, timeout=TIMEOUT)
            answer.raise_for_status()
            data: dict[str, Any] = answer.json()
        except (httpx.HTTPError, ValueError) as error:
            raise OidcProblem(
                f"The identity provider at {self.settings.issuer} does not answer ({error}).",
                "Try again later, or sign in with a desk account.",
            ) from error
        return data

    def discovery(self) -> dict[str, Any]:
        if not self._discovery:  # the provider's endpoints change rarely: read them once
            found = self._get(f"{self.settings.issuer}/.well-known/openid-configuration")
            if found.get("issuer", "").rstrip("/") != self.settings.issuer:
                raise OidcProblem("The identity provider names another issuer than configured.")
            self._discovery = found
        return self._discovery

    def start(self, redirect_uri: str) -> tuple[str, dict[str, str]]:
        """The provider's sign-in URL and what the browser's session keeps until the return."""
        from authlib.common.security import generate_token
        from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
        from authlib.oauth2.rfc7636 import create_s256_code_challenge

        pending = {
            "state": generate_token(32),
            "nonce": generate_token(32),
            "verifier": generate_token(64),
            "redirect_uri": redirect_uri,
        }
        url = prepare_grant_uri(
            self.discovery()["authorization_endpoint"],
            self.settings.client_id,
            "code",
            redirect_uri=redirect_uri,
            scope="openid email",
            state=pending["state"],
            nonce=pending["nonce"],
            code_challenge=create_s256_code_challenge(pending["verifier"]),
            code_challenge_method="S256",
        )
        return url, pending

    def finish(self, pending: dict[str, str], state: str, code: str) -> dict[str, Any]:
        """The ID token's claims, checked; refused when anything does not match."""
        import hmac

        import httpx

        if not pending or not state or not hmac.compare_digest(pending.get("state", ""), state):
            raise OidcProblem("This sign-in did not start here, or it started too long ago.",
                              "Start the sign-in again.")  # fmt: skip
        try:
            answer = httpx.post(
                self.discovery()["token_endpoint"],
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": pending["redirect_uri"],
                    "code_verifier": pending["verifier"],
                },
                auth=(self.settings.client_id, self.settings.client_secret),
                timeout=TIMEOUT,
            )
            answer.raise_for_status()
            tokens = answer.json()
            id_token, access_token = str(tokens["id_token"]), str(tokens.get("access_token", ""))
        except (httpx.HTTPError, ValueError, KeyError) as error:
            raise OidcProblem(f"The identity provider refused the sign-in ({error}).") from error
        claims = self._claims(id_token, pending["nonce"])
        if self.settings.claim not in claims and access_token:
            claims |= self._userinfo(access_token, str(claims["sub"]))
        return claims

    def _userinfo(self, access_token: str, subject: str) -> dict[str, Any]:
        """Claims the ID token left to the userinfo endpoint (as many providers do)."""
        import httpx

        endpoint = self.discovery().get("userinfo_endpoint")
        if not endpoint:
            return {}
        try:
            answer = httpx.get(
                endpoint, headers={"authorization": f"Bearer {access_token}"}, timeout=TIMEOUT
            )
            answer.raise_for_status()
            info: dict[str, Any] = answer.json()
        except (httpx.HTTPError, ValueError) as error:
            raise OidcProblem(f"The identity provider's userinfo failed ({error}).") from error
        if info.get("sub") != subject:  # OIDC Core 5.3.2: the same person, or nothing
            raise OidcProblem("The identity provider's userinfo names another person.")
        return {k: v for k, v in info.items() if k != "sub"}

    def _claims(self, id_token: str, nonce: str) -> dict[str, Any]:
        from joserfc import jwt
        from joserfc.errors import JoseError
        from joserfc.jwk import KeySet

        try:
            keys = KeySet.import_key_set(self._get(self.discovery()["jwks_uri"]))  # type: ignore[arg-type]
            token = jwt.decode(id_token, keys, algorithms=["RS256", "ES256", "PS256", "EdDSA"])
            jwt.JWTClaimsRegistry(
                now=int(time.time()),
                leeway=60,
                iss={"essential": True, "value": self.discovery()["issuer"]},
                aud={"essential": True, "value": self.settings.client_id},
                exp={"essential": True},
                sub={"essential": True},
                nonce={"essential": True, "value": nonce},
            ).validate(token.claims)
        except (JoseError, ValueError) as error:
            raise OidcProblem(
                f"The identity provider's ID token does not check out ({error})."
            ) from error
        return dict(token.claims)
