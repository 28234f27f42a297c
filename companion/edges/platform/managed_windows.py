"""Windows: the settings Group Policy (or Intune) writes under HKLM\\Software\\Policies.

The ADMX template (packaging/managed/) writes text settings as REG_SZ values of
`HKLM\\Software\\Policies\\RepCompanion` and the organisation's keys as numbered values of
its `OrganisationKeys` subkey; a REG_MULTI_SZ `OrganisationKeys` value works too. Only
HKLM counts: a rep can write HKCU, not HKLM.
"""

from __future__ import annotations

from companion.edges.platform.managed import ManagedSettingsError, ManagedValues, checked
from companion.edges.platform.managed_schema import REGISTRY_KEY
from companion.edges.platform.pem import as_pem
from companion.edges.platform.registry import Registry

FIX = "Ask IT to correct the Rep Companion group policy (see docs/windows-macos.md)."


class RegistryManagedSettings:
    def __init__(self, registry: Registry) -> None:
        self._registry = registry

    def read(self) -> ManagedValues:
        origin = f"HKLM\\{REGISTRY_KEY}"
        try:
            raw: dict[str, object] = dict(self._registry.values("HKLM", REGISTRY_KEY) or {})
            listed = self._registry.values("HKLM", REGISTRY_KEY + r"\OrganisationKeys")
        except PermissionError as error:
            raise ManagedSettingsError(f"{origin} cannot be read ({error})", FIX) from error
        if listed:  # the ADMX list element: values named 1, 2, ... in their order
            raw["OrganisationKeys"] = [listed[n] for n in sorted(listed, key=_number)]
        if "OrganisationKeys" in raw:
            raw["OrganisationKeys"] = as_pem(raw["OrganisationKeys"])
        return checked(origin, raw, FIX)


def _number(name: str) -> tuple[int, str]:
    return (int(name), "") if name.isdigit() else (1 << 30, name)
