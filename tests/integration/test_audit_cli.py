"""`companion audit verify|export` on a real session's log, and on tampered copies."""

from __future__ import annotations

import itertools
import json
import sqlite3
import subprocess

import pytest
from peers.commands import companion as run_companion

from companion.app.calls.service import CallRequest
from companion.edges.paths import AppPaths


def companion(home, *args: str) -> subprocess.CompletedProcess[str]:
    return run_companion(*args, home=home)


@pytest.fixture
def home(tmp_path, make_context):
    """A profile holding a real session: a declined call, a blocked one, a consented one."""
    ctx = make_context(paths=AppPaths.from_environment({"COMPANION_HOME": str(tmp_path)}))
    calls = ctx.calls
    calls.start_call(CallRequest("Acme", "discovery", "DE"))
    calls.mark_decline()
    calls.mark_moment(note="customer prefers notes")
    calls.end_call()
    calls.start_call(CallRequest("Initech", "sensitive_negotiation", "US"))
    calls.end_call()
    calls.start_call(CallRequest("Globex", "demo", "ZZ"))
    calls.mark_consent()
    calls.end_call()
    ctx.store.kw["bind"].dispose()
    return tmp_path


def tamper(home, *statements: str) -> None:
    """What someone with the file could do: drop the guards, then change rows."""
    db = sqlite3.connect(AppPaths.from_environment({"COMPANION_HOME": str(home)}).database)
    db.execute("DROP TRIGGER audit_events_no_update")
    db.execute("DROP TRIGGER audit_events_no_delete")
    for statement in statements:
        db.execute(statement)
    db.commit()
    db.close()


def test_verify_passes_on_a_real_session(home):
    done = companion(home, "audit", "verify")
    assert done.returncode == 0, done.stderr
    assert "audit trail intact: 9 entries" in done.stdout


def test_export_writes_json_lines_with_the_chain(home, tmp_path):
    out = tmp_path / "audit.jsonl"
    assert companion(home, "audit", "export", "--out", str(out)).returncode == 0
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [e["seq"] for e in lines] == list(range(1, 10))
    assert lines[0]["kind"] == "call.ask_consent"
    assert lines[1]["payload"]["reason"] == "customer declined"
    assert lines[1]["payload"]["script_version"] == "3"
    blocked = next(e for e in lines if e["kind"] == "call.block")
    assert blocked["payload"]["reason"] == "Sensitive negotiations are never recorded."
    assert all(b["prev_hash"] == a["hash"] for a, b in itertools.pairwise(lines))


def test_the_database_itself_refuses_edits_to_the_trail(home):
    path = AppPaths.from_environment({"COMPANION_HOME": str(home)}).database
    db = sqlite3.connect(path)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("UPDATE audit_events SET actor = 'someone else' WHERE seq = 2")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("DELETE FROM audit_events WHERE seq = 2")
    db.close()


@pytest.mark.parametrize(
    ("statements", "first_bad"),
    [
        (
            [
                "UPDATE audit_events SET payload = replace(payload, 'declined', 'agreed') "
                "WHERE seq = 2"
            ],
            "entry 2: content was changed",
        ),
        (["DELETE FROM audit_events WHERE seq = 4"], "entry 4: missing"),
        (
            [
                "UPDATE audit_events SET seq = -5 WHERE seq = 5",
                "UPDATE audit_events SET seq = 5 WHERE seq = 6",
                "UPDATE audit_events SET seq = 6 WHERE seq = -5",
            ],
            "entry 5: ",
        ),
        (["DELETE FROM audit_events WHERE seq = 9"], "entry 9: missing"),
    ],
    ids=["edited", "deleted", "reordered", "tail-deleted"],
)
def test_verify_fails_and_names_the_first_bad_entry(home, statements, first_bad):
    tamper(home, *statements)
    done = companion(home, "audit", "verify")
    assert done.returncode == 1
    assert f"first bad entry: {first_bad}" in done.stderr
