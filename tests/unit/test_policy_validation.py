"""Policy validation: the default policy loads, and each kind of bad policy is refused
with a problem that names the field and says what is wrong.

Bad policies are built by text replacement on the shipped default, and every edit
asserts that it changed the text, so no test can silently validate the good file.
"""

from pathlib import Path

import pytest

from companion.core.policy.model import Policy
from companion.core.policy.parse import PolicyError, PolicyProblem, parse_policy
from companion.edges.policy.files import default_policy_path, load_policy

DEFAULT_TEXT = default_policy_path().read_text(encoding="utf-8")

CONSENT_SCRIPTS_BLOCK = """[consent.scripts]
en = "Before we begin, is it okay if I record this call so I don't miss any details and can share accurate notes with my team?"
de = "Bevor wir anfangen: Ist es in Ordnung, wenn ich dieses Gespräch aufzeichne, damit mir keine Details entgehen und ich meinem Team genaue Notizen geben kann?"
fr = "Avant de commencer, puis-je enregistrer cet appel pour ne manquer aucun détail et partager des notes fidèles avec mon équipe ?"
"""  # noqa: E501


def edited(old: str, new: str, text: str = DEFAULT_TEXT) -> str:
    """`text` with exactly one occurrence of `old` replaced by `new`."""
    assert text.count(old) == 1, f"expected exactly one {old!r} in the policy text"
    result = text.replace(old, new)
    assert result != text
    return result


def problems_of(text: str | bytes) -> list[PolicyProblem]:
    raw = text.encode("utf-8") if isinstance(text, str) else text
    with pytest.raises(PolicyError) as caught:
        parse_policy(raw, "test-policy.toml")
    problems = caught.value.problems
    assert problems, "a rejected policy must name at least one problem"
    # The error text the user sees names the source and every problem.
    described = str(caught.value)
    assert "test-policy.toml" in described
    for problem in problems:
        assert f"{problem.field}: {problem.message}" in described
    return problems


def only_problem(text: str | bytes) -> PolicyProblem:
    problems = problems_of(text)
    assert len(problems) == 1, problems
    return problems[0]


# -- the good file ---------------------------------------------------------------------


def test_default_policy_loads():
    policy = load_policy(default_policy_path())
    assert isinstance(policy, Policy)
    assert policy.schema_version == 1
    assert policy.recording_enabled is True
    assert policy.consent.script_version == "3"
    assert set(policy.consent.scripts) == {"en", "de", "fr"}
    assert {"legal", "internal_escalation", "sensitive_negotiation"} <= set(policy.call_types)
    assert not policy.call_types["legal"].record
    assert policy.jurisdictions["US-CA"].consent.value == "all-party"


def test_parse_policy_of_the_default_text_loads():
    assert parse_policy(DEFAULT_TEXT.encode("utf-8"), "default").version == "2026.11.1"


# -- the file itself -------------------------------------------------------------------


def test_toml_syntax_error_is_reported_with_its_line():
    old = "max_minutes = 120"
    bad = edited(old, "max_minutes = = 120")
    line = DEFAULT_TEXT.splitlines().index(old) + 1
    problem = only_problem(bad)
    assert problem.field == "(syntax)"
    assert "TOML syntax error" in problem.message
    assert f"line {line}" in problem.message


def test_non_utf8_bytes_are_rejected():
    raw = edited('organisation = "Your organisation"', 'organisation = "Caf\udce9"').encode(
        "utf-8", errors="surrogateescape"
    )
    assert b"Caf\xe9" in raw  # a Latin-1 byte, not valid UTF-8
    problem = only_problem(raw)
    assert problem.field == "(file)"
    assert "not UTF-8" in problem.message


def test_missing_file_is_rejected(tmp_path: Path):
    missing = tmp_path / "no-such-policy.toml"
    with pytest.raises(PolicyError) as caught:
        load_policy(missing)
    assert caught.value.source == str(missing)
    assert caught.value.problems == [PolicyProblem("(file)", "No such file or directory")]


def test_directory_instead_of_file_is_rejected(tmp_path: Path):
    with pytest.raises(PolicyError) as caught:
        load_policy(tmp_path)
    [problem] = caught.value.problems
    assert problem.field == "(file)"
    assert problem.message


# -- schema ----------------------------------------------------------------------------


def test_missing_consent_script_is_rejected():
    bad = edited(CONSENT_SCRIPTS_BLOCK, "")
    assert "[consent.scripts]" not in bad
    problem = only_problem(bad)
    assert problem == PolicyProblem("consent.scripts", "required but missing")


def test_consent_scripts_without_the_default_language_are_rejected():
    bad = edited('default_language = "en"', 'default_language = "es"')
    problems = problems_of(bad)
    fields = {p.field for p in problems}
    assert fields == {"consent.scripts", "consent.decline_scripts"}
    assert all("no text for the default language 'es'" in p.message for p in problems)


def test_call_type_naming_an_unknown_tag_is_rejected():
    bad = edited('tags = ["discovery", "pain_point"', 'tags = ["discovery", "pain_pont"')
    problem = only_problem(bad)
    assert problem.field == "call_types.discovery.tags[1]"
    assert "unknown tag 'pain_pont'" in problem.message
    assert "pain_point" in problem.message  # the known tags are listed


def test_call_type_naming_an_unknown_retention_rule_is_rejected():
    bad = edited('retention = "coaching"', 'retention = "coachin"')
    problem = only_problem(bad)
    assert problem.field == "call_types.handoff.retention"
    assert "unknown retention rule 'coachin'" in problem.message
    assert "coaching, standard, training" in problem.message


def test_recorded_call_type_without_retention_is_rejected():
    bad = edited('retention = "coaching"\n', "")
    problem = only_problem(bad)
    assert problem.field in {"call_types.handoff", "call_types.handoff.retention"}
    assert "retention" in problem.message


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("local_days = 14", "local_days = -14", "retention.coaching.local_days"),
        ("local_days = 14", "local_days = 0", "retention.coaching.local_days"),
        (
            "organisation_days = 90",
            "organisation_days = -1",
            "retention.coaching.organisation_days",
        ),
        ("organisation_days = 90", "organisation_days = 0", "retention.coaching.organisation_days"),
    ],
    ids=["negative-local", "zero-local", "negative-organisation", "zero-organisation"],
)
def test_non_positive_retention_window_is_rejected(old: str, new: str, field: str):
    problem = only_problem(edited(old, new))
    assert problem.field == field
    assert problem.message == "Input should be greater than 0"


@pytest.mark.parametrize(
    ("header", "code", "expected"),
    [
        ("[jurisdictions.FR]", "XX", "no country 'XX'"),
        ("[jurisdictions.US-IL]", "US-ZZ", "no such subdivision"),
        ("[jurisdictions.FR]", "fr", "use ISO 3166"),
        ("[jurisdictions.FR]", "FRANCE", "use ISO 3166"),
    ],
)
def test_unknown_jurisdiction_code_is_rejected(header: str, code: str, expected: str):
    bad = edited(header, f"[jurisdictions.{code}]")
    problem = only_problem(bad)
    assert problem.field == f"jurisdictions.{code}"
    assert f"unknown jurisdiction code '{code}'" in problem.message
    assert expected in problem.message


def test_misspelt_key_is_rejected_as_unknown():
    bad = edited("silence_auto_stop_minutes", "silence_autostop_minutes")
    problems = problems_of(bad)
    assert (
        PolicyProblem(
            "recording.silence_autostop_minutes",
            "unknown key (not part of the policy schema; check the spelling)",
        )
        in problems
    )
    # ... and the key it should have been is missing.
    assert PolicyProblem("recording.silence_auto_stop_minutes", "required but missing") in problems


def test_unknown_top_level_key_is_rejected():
    bad = edited("recording_enabled = true", "recording_enabled = true\nrecord_everything = true")
    problem = only_problem(bad)
    assert problem.field == "record_everything"
    assert "unknown key" in problem.message


def test_never_record_call_type_without_reason_is_rejected():
    bad = edited('reason = "Legal discussions are never recorded."\n', "")
    problem = only_problem(bad)
    # The problem points at the call type (or at its missing `reason`).
    assert problem.field in {"call_types.legal", "call_types.legal.reason"}
    assert problem.message == "a never-record call type needs a 'reason' to show the rep"


def test_never_record_call_type_with_blank_reason_is_rejected():
    bad = edited('reason = "Legal discussions are never recorded."', 'reason = "   "')
    problem = only_problem(bad)
    assert problem.field == "call_types.legal.reason"
    assert "at least 1 character" in problem.message


def test_duplicate_tag_shortcuts_are_rejected():
    bad = edited('shortcut = "5"', 'shortcut = "2"')
    problem = only_problem(bad)
    assert problem.field == "tags.product_gap.shortcut"
    assert problem.message == "'2' is already used by tags.competitor_mention"


def test_unsupported_schema_version_is_rejected():
    bad = edited("schema_version = 1", "schema_version = 2")
    problem = only_problem(bad)
    assert problem.field == "schema_version"
    assert "schema 2" in problem.message


def test_several_cross_reference_problems_are_each_reported():
    bad = edited('retention = "coaching"', 'retention = "coachin"')
    bad = edited('shortcut = "5"', 'shortcut = "2"', bad)
    bad = edited("[jurisdictions.FR]", "[jurisdictions.XX]", bad)
    fields = {p.field for p in problems_of(bad)}
    assert fields == {
        "call_types.handoff.retention",
        "tags.product_gap.shortcut",
        "jurisdictions.XX",
    }


def test_jurisdiction_key_with_separator_characters_is_reported_as_one_problem():
    """BUG: cross-reference problems are joined with '; ' and split on '; ' and ': ' in
    load._problems, but jurisdiction keys are free text, so a key containing '; '
    (or ': ') is reported as garbled problems with wrong field paths."""
    bad = edited("[jurisdictions.FR]", '[jurisdictions."F; R"]')
    problem = only_problem(bad)
    assert problem.field == "jurisdictions.F; R"
    assert "unknown jurisdiction code 'F; R'" in problem.message


def test_retention_days_beyond_a_century_are_refused_not_an_overflow_later():
    text = DEFAULT_TEXT.replace("local_days = 30\n", "local_days = 99999999999\n", 1)
    assert text != DEFAULT_TEXT
    problems = problems_of(text)
    assert any(p.field.endswith(".local_days") and "36500" in p.message for p in problems)


@pytest.mark.parametrize("version", ["x", "2026.12.1-rc1", "1..2", ""])
def test_a_version_that_cannot_be_ordered_is_refused(version):
    problems = problems_of(edited('version = "2026.11.1"', f'version = "{version}"'))
    assert [p.field for p in problems] == ["version"]
    assert "numbers separated by dots" in problems[0].message


def test_versions_are_ordered_number_by_number():
    from companion.core.policy.versions import is_newer

    assert is_newer("2026.12.1", "2026.9.30") and is_newer("2027", "2026.12.31")
    assert not is_newer("2026.12", "2026.12.0") and not is_newer("2026.11.1", "2026.12.1")
