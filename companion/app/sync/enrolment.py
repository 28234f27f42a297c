"""Enrolling this laptop with the organisation's desk: `companion enrol CODE --desk URL`.

The device key (the one that signs packages, made now if this laptop has none yet) goes
to the desk with IT's one-time code, signed by itself; the desk binds it to the rep the
code was made for, and that rep id becomes this laptop's identity (below a managed one
in /etc, above the login name: see `ManagedSettings.rep`).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from companion.app.sync.device_key import device_key
from companion.core.access import signed
from companion.core.access.enrolment import enrolment_request, normalise
from companion.core.errors import UserFacingError
from companion.edges.secrets import SecretStore
from companion.edges.sync.enrolment import Enrolment, save_enrolment, send_enrolment


def enrol(config_dir: Path, secrets: SecretStore, code: str, desk: str, now: datetime) -> Enrolment:
    if not normalise(code):
        raise UserFacingError("Give the enrolment code IT sent you, e.g. ABCDE-FGHJK-...")
    if not desk.startswith(("https://", "http://")):
        raise UserFacingError(f"'{desk}' is not a desk address (https://...).")
    key = device_key(secrets)
    answer = send_enrolment(desk, enrolment_request(code.strip(), key, now))
    team = answer.get("team")
    enrolment = Enrolment(
        rep=str(answer["rep"]),
        team=str(team) if team else None,
        desk=desk,
        device=signed.public_key_text(key),
        enrolled_at=now.isoformat(),
    )
    save_enrolment(config_dir, enrolment)
    return enrolment
