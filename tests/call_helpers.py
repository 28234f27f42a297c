"""Shared set-up for sync tests: an organisation policy with recipients, calls marked ready."""

from __future__ import annotations

from pathlib import Path

from peers.sounds import MIC, play, tone

from companion.app.calls.service import CallRequest
from companion.edges.policy.files import default_policy_path

CRM = ("qualification", "next_steps", "timeline", "risks")


def organisation_policy(context, recipient: str, extra: str = "") -> None:
    """The default policy plus the organisation's age recipient (and `extra` TOML)."""
    text = default_policy_path().read_text(encoding="utf-8")
    context.paths.policy_override.write_text(
        text + f'\n[sync]\nrecipients = ["{recipient}"]\n' + extra, encoding="utf-8"
    )


def ready_call(
    context, account: str = "Acme", consent: bool = False, sounds: Path | None = None
) -> str:
    """A finished discovery call with one moment and its CRM fields, marked ready to sync.

    With `consent`, a 1 kHz tone is played into the microphone (needs the PulseAudio
    testbed and `sounds`, a folder for the tone file); otherwise the customer declines.
    """
    calls = context.calls
    calls.start_call(CallRequest(account, "discovery", "DE"))
    if consent:
        assert sounds is not None
        calls.mark_consent()
        play(MIC, tone(sounds, 1000, 1.0))
    else:
        calls.mark_decline()
    calls.mark_moment(tag="pain_point", note=f"{account}: exports are slow")
    call_id = calls.current.details.call_id
    calls.end_call()
    for key in CRM:
        context.review.crm.set_crm_field(call_id, key, f"{key}: done")
    context.review.crm.mark_ready(call_id)
    return call_id
