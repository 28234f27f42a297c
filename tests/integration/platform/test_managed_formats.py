"""The ADMX/ADML template and the .mobileconfig: in step with the schema, and valid."""

from __future__ import annotations

import importlib.util
import plistlib
import re
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import xmlschema
from platform_fakes import FakePreferences

from companion.edges.platform.managed_macos import PreferencesManagedSettings
from companion.edges.platform.managed_schema import PREFERENCES_DOMAIN, REGISTRY_KEY, SETTINGS

ROOT = Path(__file__).resolve().parents[3]
HERE = ROOT / "packaging" / "managed"
GP = "{http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions}"


def _load_generator():
    """The packaging script, loaded from its file (it is not a package)."""
    spec = importlib.util.spec_from_file_location("managed_generate", HERE / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


generate = _load_generator()


@pytest.fixture(scope="module")
def schema():
    return xmlschema.XMLSchema(HERE / "schema" / "PolicyDefinitions-subset.xsd")


def test_the_committed_files_are_what_the_schema_generates():
    stale = [p.name for p, content in generate.outputs().items() if p.read_bytes() != content]
    assert stale == [], "run: uv run python packaging/managed/generate.py"
    assert generate.main(["--check"]) == 0


def test_admx_and_adml_validate_against_the_schema(schema):
    schema.validate(HERE / "RepCompanion.admx")
    schema.validate(HERE / "en-US" / "RepCompanion.adml")


def test_the_xsd_bites_a_policy_without_its_registry_key(schema, tmp_path):
    broken = (HERE / "RepCompanion.admx").read_text().replace(f' key="{REGISTRY_KEY}"', "", 1)
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        schema.validate(broken)


def test_every_setting_is_a_machine_policy_under_hklm_policies_with_its_words():
    admx = ET.parse(HERE / "RepCompanion.admx").getroot()
    adml = ET.parse(HERE / "en-US" / "RepCompanion.adml").getroot()
    strings = {s.get("id"): s.text for s in adml.iter(f"{GP}string")}
    presentations = {p.get("id"): p for p in adml.iter(f"{GP}presentation")}
    policies = {p.get("name"): p for p in admx.iter(f"{GP}policy")}
    assert list(policies) == [s.key for s in SETTINGS]
    for setting in SETTINGS:
        policy = policies[setting.key]
        assert policy.get("class") == "Machine" and policy.get("key") == REGISTRY_KEY
        assert strings[setting.key] == setting.title
        assert strings[f"{setting.key}_Help"] == setting.explanation
        (element,) = policy.find(f"{GP}elements")
        shown = presentations[setting.key][0]
        assert shown.get("refId") == element.get("id") == setting.key
    used = re.findall(r"\$\(string\.(\w+)\)", (HERE / "RepCompanion.admx").read_text())
    assert set(used) <= set(strings)  # no name Group Policy Editor would show as an id


def test_the_profile_round_trips_and_installs_forced_preferences():
    raw = (HERE / "RepCompanion.mobileconfig").read_bytes()
    profile = plistlib.loads(raw)
    assert plistlib.loads(plistlib.dumps(profile, fmt=plistlib.FMT_XML)) == profile
    assert profile["PayloadType"] == "Configuration" and profile["PayloadScope"] == "System"
    (payload,) = profile["PayloadContent"]
    assert payload["PayloadType"] == "com.apple.ManagedClient.preferences"
    (forced,) = payload["PayloadContent"][PREFERENCES_DOMAIN]["Forced"]
    values = forced["mcx_preference_settings"]
    assert set(values) <= {s.key for s in SETTINGS}
    # What the app reads once macOS installed it: every value, as the schema's kinds.
    read = PreferencesManagedSettings(FakePreferences(values, set(values))).read()
    assert read.text("SyncFolder") == "/Volumes/org-share/rep-calls"
    assert read.texts("OrganisationKeys")[0].startswith("-----BEGIN PUBLIC KEY-----\n")
