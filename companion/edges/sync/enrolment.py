"""This laptop's enrolment with the organisation's desk: the request to the desk service
(`POST /enrol`) and the identity it answered with, kept in `<config>/enrolment.json`.

The file holds no secret (the device key stays in the keyring): the rep's id and team
as the organisation knows them, the desk's address, the device's public key, and when.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from companion.core.errors import UserFacingError

ENROLMENT_FILE = "enrolment.json"


class EnrolmentFailed(UserFacingError):
    """The desk refused the enrolment or could not be reached; the message says which."""


@dataclass(frozen=True)
class Enrolment:
    rep: str
    team: str | None
    desk: str
    device: str
    enrolled_at: str


def load_enrolment(config_dir: Path) -> Enrolment | None:
    """The enrolment this laptop holds; None when it was never enrolled."""
    path = config_dir / ENROLMENT_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Enrolment(**data)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError) as error:
        raise UserFacingError(
            f"{path} cannot be read ({error}).",
            "Remove it and enrol this laptop again with a new code from IT.",
        ) from error


def save_enrolment(config_dir: Path, enrolment: Enrolment) -> Path:
    path = config_dir / ENROLMENT_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(asdict(enrolment), indent=2) + "\n", encoding="utf-8")
    temporary.replace(path)
    return path


def send_enrolment(desk: str, document: dict[str, Any], timeout: float = 30) -> dict[str, Any]:
    """POST the signed request to the desk; its answer (rep, team), or its refusal."""
    import urllib.error  # here, not with the tray: every start reads the enrolment file
    import urllib.request

    request = urllib.request.Request(
        desk.rstrip("/") + "/enrol",
        data=json.dumps(document).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            found = json.loads(answer.read())
    except urllib.error.HTTPError as error:
        try:
            message = str(json.loads(error.read())["error"])
        except (ValueError, KeyError, TypeError):
            message = f"the desk answered {error.code}"
        raise EnrolmentFailed(f"The desk refused the enrolment: {message}") from error
    except (OSError, ValueError) as error:
        raise EnrolmentFailed(
            f"The desk at {desk} cannot be reached ({error}).",
            "Check the address IT gave you (https://...) and the network.",
        ) from error
    if not isinstance(found, dict) or not isinstance(found.get("rep"), str):
        raise EnrolmentFailed(f"The desk at {desk} did not answer as a desk does.")
    return found
