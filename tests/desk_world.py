"""Calls in the review-desk tests' world: Alice's (team A) and Carol's (team B)."""

from __future__ import annotations

from call_helpers import ready_call

from companion.app.sync.access_receipts import BOOK, ReceiptBook
from companion.app.sync.call_package import package_call
from companion.app.sync.sync_pass import sync_once
from companion.edges.paths import AppPaths
from companion.edges.sync.folder_target import FolderTarget


def carols_call(make_context, monkeypatch, org, share, tmp_path) -> str:
    """A call of carol (team B), delivered by her own companion's packaging."""
    monkeypatch.setenv("LOGNAME", "carol")
    root = tmp_path / "carol-home"
    context = make_context(paths=AppPaths(root / "data", root / "config", root / "logs"))
    context.paths.ensure()
    context.paths.policy_override.write_text(org.policy_text(), encoding="utf-8")
    call_id = ready_call(context, "Globex")
    policy = context.active_policy().policy
    package = package_call(context.store, call_id, policy, None, list(policy.sync.recipients))
    FolderTarget(share).put_package(package)
    monkeypatch.setenv("LOGNAME", "alice")
    return package.package_id


def alices_call(rep) -> str:
    call_id = ready_call(rep, "Acme")
    sync_once(rep)
    return f"call-{call_id}"


def book(rep) -> ReceiptBook:
    return ReceiptBook.load(rep.paths.data_dir / BOOK)
