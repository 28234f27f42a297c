"""Write the Group Policy template (ADMX + en-US ADML) and the macOS profile from the schema.

    uv run python packaging/managed/generate.py            # rewrite the files here
    uv run python packaging/managed/generate.py --check    # exit 1 if they are stale

The one description of the settings is `companion/edges/platform/managed_schema.py`;
`tests/integration/platform/test_managed_formats.py` regenerates and compares in CI.
"""

from __future__ import annotations

import argparse
import plistlib
import sys
import uuid
from pathlib import Path
from xml.etree import ElementTree as ET

from companion.edges.platform.managed_schema import (
    ADMX_NAMESPACE,
    ADMX_PREFIX,
    PREFERENCES_DOMAIN,
    REGISTRY_KEY,
    SETTINGS,
    ManagedSetting,
)

HERE = Path(__file__).resolve().parent
GP = "http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions"
CATEGORY = "RepCompanion"
SUPPORTED = "SUPPORTED_RepCompanion"
PROFILE_ID = "com.repcompanion.profile"
UUIDS = uuid.UUID("6f1c2a52-3b1e-4c55-9d0e-7f6a1c0b2e11")  # fixed: stable output


def _xml(root: ET.Element) -> bytes:
    ET.register_namespace("", GP)
    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{GP}}}{tag}", attributes)
    element.text = text
    return element


def admx() -> bytes:
    root = ET.Element(f"{{{GP}}}policyDefinitions", {"revision": "1.0", "schemaVersion": "1.0"})
    namespaces = _sub(root, "policyNamespaces")
    _sub(namespaces, "target", prefix=ADMX_PREFIX, namespace=ADMX_NAMESPACE)
    _sub(root, "resources", minRequiredRevision="1.0")
    definitions = _sub(_sub(root, "supportedOn"), "definitions")
    _sub(definitions, "definition", name=SUPPORTED, displayName=f"$(string.{SUPPORTED})")
    categories = _sub(root, "categories")
    _sub(categories, "category", name=CATEGORY, displayName=f"$(string.{CATEGORY})")
    policies = _sub(root, "policies")
    for setting in SETTINGS:
        policy = _sub(
            policies,
            "policy",
            name=setting.key,
            **{"class": "Machine"},
            displayName=f"$(string.{setting.key})",
            explainText=f"$(string.{setting.key}_Help)",
            presentation=f"$(presentation.{setting.key})",
            key=REGISTRY_KEY,
        )
        _sub(policy, "parentCategory", ref=CATEGORY)
        _sub(policy, "supportedOn", ref=SUPPORTED)
        _element(_sub(policy, "elements"), setting)
    return _xml(root)


def _element(elements: ET.Element, setting: ManagedSetting) -> None:
    if setting.kind == "text_list":  # values 1, 2, ... of a subkey named after the setting
        _sub(elements, "list", id=setting.key, key=f"{REGISTRY_KEY}\\{setting.key}")
        elements[-1].set("valuePrefix", "")
    elif setting.kind == "choice":
        choice = _sub(elements, "enum", id=setting.key, valueName=setting.key, required="true")
        for value in setting.choices:
            item = _sub(choice, "item", displayName=f"$(string.{setting.key}_{value})")
            _sub(_sub(item, "value"), "string", value)
    else:
        _sub(elements, "text", id=setting.key, valueName=setting.key, required="true")


def adml() -> bytes:
    root = ET.Element(
        f"{{{GP}}}policyDefinitionResources", {"revision": "1.0", "schemaVersion": "1.0"}
    )
    _sub(root, "displayName", "Rep Companion")
    _sub(root, "description", "Settings IT manages for Rep Companion on every laptop.")
    resources = _sub(root, "resources")
    strings = _sub(resources, "stringTable")
    _sub(strings, "string", "Rep Companion", id=CATEGORY)
    _sub(strings, "string", "Rep Companion 0.1 and later, Windows 10 and later", id=SUPPORTED)
    presentations = _sub(resources, "presentationTable")
    for setting in SETTINGS:
        _sub(strings, "string", setting.title, id=setting.key)
        _sub(strings, "string", setting.explanation, id=f"{setting.key}_Help")
        for value in setting.choices:
            _sub(strings, "string", value, id=f"{setting.key}_{value}")
        shown = _sub(presentations, "presentation", id=setting.key)
        if setting.kind == "text_list":
            _sub(shown, "listBox", setting.title, refId=setting.key)
        elif setting.kind == "choice":
            _sub(shown, "dropdownList", setting.title, refId=setting.key, noSort="true")
        else:
            _sub(_sub(shown, "textBox", refId=setting.key), "label", setting.title)
    return _xml(root)


def mobileconfig() -> bytes:
    """A profile template: forced managed preferences (IT edits the example values)."""
    values: dict[str, object] = {
        s.key: [s.example] if s.kind == "text_list" else s.example for s in SETTINGS if s.example
    }
    payload = {
        "PayloadType": "com.apple.ManagedClient.preferences",
        "PayloadVersion": 1,
        "PayloadIdentifier": f"{PROFILE_ID}.preferences",
        "PayloadUUID": str(uuid.uuid5(UUIDS, "preferences")).upper(),
        "PayloadDisplayName": "Rep Companion settings",
        "PayloadEnabled": True,
        "PayloadContent": {PREFERENCES_DOMAIN: {"Forced": [{"mcx_preference_settings": values}]}},
    }
    profile = {
        "PayloadType": "Configuration",
        "PayloadVersion": 1,
        "PayloadIdentifier": PROFILE_ID,
        "PayloadUUID": str(uuid.uuid5(UUIDS, "profile")).upper(),
        "PayloadDisplayName": "Rep Companion",
        "PayloadDescription": "Settings IT manages for Rep Companion: "
        + ", ".join(s.key for s in SETTINGS),
        "PayloadScope": "System",
        "PayloadRemovalDisallowed": True,
        "PayloadContent": [payload],
    }
    return plistlib.dumps(profile, fmt=plistlib.FMT_XML, sort_keys=True)


def outputs() -> dict[Path, bytes]:
    return {
        HERE / "RepCompanion.admx": admx(),
        HERE / "en-US" / "RepCompanion.adml": adml(),
        HERE / "RepCompanion.mobileconfig": mobileconfig(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="fail if a file is out of date")
    check = parser.parse_args(argv).check
    stale = []
    for path, content in outputs().items():
        if path.exists() and path.read_bytes() == content:
            continue
        stale.append(path)
        if not check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
    for path in stale:
        print(f"{'stale' if check else 'wrote'}: {path.relative_to(HERE.parent.parent)}")
    return 1 if check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
