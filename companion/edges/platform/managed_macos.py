"""macOS: managed preferences (a configuration profile), forced values only.

The .mobileconfig (packaging/managed/) installs the settings in the
`com.repcompanion.companion` domain. CFPreferences returns a value from anywhere a
preference can live, including the rep's own `defaults write`; only values
`CFPreferencesAppValueIsForced` says a profile forces count, so a rep cannot plant a
sync target or a key.
"""

from __future__ import annotations

import sys
from typing import Protocol

from companion.edges.platform.managed import ManagedValues, checked
from companion.edges.platform.managed_schema import PREFERENCES_DOMAIN, SETTINGS
from companion.edges.platform.pem import as_pem

FIX = "Ask IT to correct the Rep Companion configuration profile (see docs/windows-macos.md)."


class Preferences(Protocol):
    def value(self, key: str, domain: str) -> object | None: ...

    def forced(self, key: str, domain: str) -> bool: ...


class CFPreferences:
    """The real CFPreferences through pyobjc (imported when first read)."""

    def value(self, key: str, domain: str) -> object | None:
        assert sys.platform == "darwin"  # checked by `mypy --platform darwin`
        from CoreFoundation import CFPreferencesCopyAppValue

        return _plain(CFPreferencesCopyAppValue(key, domain))

    def forced(self, key: str, domain: str) -> bool:
        assert sys.platform == "darwin"
        from CoreFoundation import CFPreferencesAppValueIsForced

        return bool(CFPreferencesAppValueIsForced(key, domain))


def _plain(value: object) -> object | None:
    """pyobjc's NSString/NSArray as str/list (they behave alike, but are not them)."""
    if value is None:
        return None
    if isinstance(value, str):
        return str(value)
    if isinstance(value, list | tuple) or hasattr(value, "count"):
        return [str(item) for item in value]  # type: ignore[attr-defined]
    return value


class PreferencesManagedSettings:
    def __init__(self, preferences: Preferences, domain: str = PREFERENCES_DOMAIN) -> None:
        self._preferences, self._domain = preferences, domain

    def read(self) -> ManagedValues:
        raw: dict[str, object] = {}
        for setting in SETTINGS:
            value = self._preferences.value(setting.key, self._domain)
            if value is not None and self._preferences.forced(setting.key, self._domain):
                raw[setting.key] = value
        if "OrganisationKeys" in raw:
            raw["OrganisationKeys"] = as_pem(raw["OrganisationKeys"])
        return checked(f"managed preferences {self._domain}", raw, FIX)
