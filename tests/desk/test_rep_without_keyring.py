"""A rep whose keyring cannot be reached still delivers calls to an organisation that has
reviewers; the summary says that access receipts wait for the keyring."""

from __future__ import annotations

from call_helpers import ready_call
from peers.commands import companion


def test_without_a_keyring_calls_still_sync_and_receipts_wait(
    make_context, monkeypatch, org, share
):
    monkeypatch.setenv("LOGNAME", "alice")
    context = make_context()
    context.paths.policy_override.write_text(org.policy_text(), encoding="utf-8")
    context.settings.save(context.settings.load().with_changes(sync_folder=str(share)))
    ready_call(context, "Acme")
    done = companion("sync", "--once")  # the keyring guard gives it keyring's fail backend
    assert done.returncode == 0, done.stderr
    last = done.stdout.splitlines()[-1]
    assert last.startswith("sync: 1 delivered; access receipts need the keyring (")
    assert not (share / "reps").exists()  # no recipient without an identity
