"""May this call be recorded? The policy's answer, with the reason the rep will read."""

from __future__ import annotations

from dataclasses import dataclass

from companion.core.policy.model import ConsentRule, Policy

UNKNOWN_REGION = "unknown"


@dataclass(frozen=True)
class RecordingDecision:
    allowed: bool
    reason: str
    jurisdiction: str
    consent_rule: ConsentRule
    # The policy allows recording but this computer cannot right now (keyring, device,
    # disk): once fixed, consent may be asked after all.
    retryable: bool = False


def decide(policy: Policy, call_type: str, region: str) -> RecordingDecision:
    """Kill switch first, then the call type, then the customer's region.

    An unknown region is treated as the strictest region the policy lists.
    """
    known = policy.jurisdictions.get(region)
    rule = known.consent if known else policy.strictest_rule()
    label = region if known else UNKNOWN_REGION

    def blocked(reason: str) -> RecordingDecision:
        return RecordingDecision(False, reason, label, rule)

    if not policy.recording_enabled:
        return blocked("Recording is switched off by your organisation's policy.")
    kind = policy.call_types.get(call_type)
    if kind is None:
        return blocked(f"The call type '{call_type}' is not in the policy.")
    if not kind.record:
        return blocked(kind.reason or f"{kind.label} calls are never recorded.")
    if rule is ConsentRule.NEVER:
        where = known.name if known else "an unknown region (treated as the strictest)"
        return blocked(f"Calls with customers in {where} are never recorded.")
    if known:
        reason = f"{known.name}: {rule.value} consent."
    else:
        reason = f"Unknown region: treated as the strictest rule ({rule.value} consent)."
    return RecordingDecision(True, reason, label, rule)


# The language a customer in a country is most likely asked in; the policy's default
# where it has no script in that language. A rep can always choose another.
COUNTRY_LANGUAGES = {
    "DE": "de",
    "AT": "de",
    "CH": "de",
    "LI": "de",
    "FR": "fr",
    "BE": "fr",
    "LU": "fr",
    "MC": "fr",
    "ES": "es",
    "MX": "es",
    "IT": "it",
    "NL": "nl",
    "PT": "pt",
    "BR": "pt",
    "PL": "pl",
    "SE": "sv",
    "DK": "da",
    "NO": "no",
    "FI": "fi",
    "JP": "ja",
}


def language_for(policy: Policy, region: str) -> str:
    """The consent script's language for a customer in `region` (e.g. "US-CA", "DE")."""
    wanted = COUNTRY_LANGUAGES.get(region.split("-", 1)[0].upper())
    return wanted if wanted in policy.consent.scripts else policy.default_language
