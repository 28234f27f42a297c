"""The review desk: list what the reviewer's role may see, open a call only with a purpose.

Nothing is decrypted for the listing (it reads the plaintext indexes). Each action
(open: moments and notes; play: audio; read: transcript; export) checks the role, the
purpose and, for performance use, the approval, then writes its access receipt, and only
then decrypts what it shows, in memory.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from companion.core.access.approvals import check_approval
from companion.core.access.rules import AccessRefused, check_access, may_list
from companion.core.errors import UserFacingError
from companion.core.policy.access import Part, Purpose
from companion.core.policy.model import Policy
from companion.desk.app.keys import DeskKeys
from companion.desk.app.receipt_writer import write_receipt
from companion.edges.sync.org_store import OrgStore
from companion.edges.sync.package import AUDIO, MANIFEST, TRANSCRIPT_VTT, sha256_hex


@dataclass(frozen=True)
class DeskCall:
    package_id: str
    rep: str
    call_type: str
    started_at: str
    retain_until: str
    files: tuple[str, ...]

    @property
    def has_audio(self) -> bool:
        return AUDIO + ".age" in self.files


@dataclass(frozen=True)
class Opening:
    """Why the reviewer opens a call: the purpose, a reason in words, an approval file."""

    purpose: Purpose
    reason: str
    approval: bytes | None = None


def desk_call(index: dict[str, Any]) -> DeskCall:
    return DeskCall(
        str(index["package_id"]),
        str(index.get("rep", "")),
        str(index.get("call_type", "")),
        str(index.get("started_at") or ""),
        str(index.get("retain_until", "")),
        tuple(sorted(index.get("files", {}))),
    )


class ReviewDesk:
    def __init__(
        self,
        store: OrgStore,
        policy: Policy,
        keys: DeskKeys,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store, self.policy, self.keys, self.clock = store, policy, keys, clock
        self._indexes: dict[str, dict[str, Any]] | None = None

    def calls(self) -> list[DeskCall]:
        """The calls the reviewer's role covers, newest first; others are never listed."""
        return sorted(
            (desk_call(i) for i in self._visible().values()),
            key=lambda c: c.started_at,
            reverse=True,
        )

    def _visible(self) -> dict[str, dict[str, Any]]:
        if self._indexes is None:
            rules, me = self.policy.access, self.keys.reviewer
            self._indexes = {
                str(i["package_id"]): i
                for i in self.store.package_indexes()
                if may_list(rules, me, str(i.get("rep", "")))
            }
        return self._indexes

    def find(self, call: str) -> DeskCall:
        """A listed call by package id, call id or the start of one."""
        wanted = call if call.startswith("call-") else f"call-{call}"
        matches = [pid for pid in self._visible() if pid.startswith(wanted)]
        if len(matches) != 1:
            problem = "matches several calls" if matches else "is not among the calls"
            raise AccessRefused(f"'{call}' {problem} your role may see.")
        return desk_call(self._visible()[matches[0]])

    def _allow(self, call: DeskCall, parts: list[Part], opening: Opening) -> str | None:
        """The approval id (for performance use) once every check passed."""
        if not opening.reason.strip():
            raise AccessRefused("Say why you open this call (--reason).")
        for part in parts:
            check_access(self.policy.access, self.keys.reviewer, call.rep, part, opening.purpose)
        if not opening.purpose.is_performance:
            return None
        if opening.approval is None:
            raise AccessRefused(
                f"Opening a call for {opening.purpose.label} needs an approval.",
                "Ask an approver for a signed approval naming the call, the purpose and "
                "you, and pass it with --approval FILE.",
            )
        return check_approval(
            opening.approval,
            self.policy.access,
            reviewer=self.keys.reviewer,
            package_id=call.package_id,
            purpose=opening.purpose,
            now=self.clock(),
        )

    def record(self, call: DeskCall, action: str, parts: list[Part], opening: Opening) -> None:
        """Check, then write the receipt: nothing is shown without one."""
        approval = self._allow(call, parts, opening)
        write_receipt(
            self.store,
            self.policy,
            self.keys,
            call.rep,
            self.clock(),
            purpose=opening.purpose.value,
            reason=opening.reason.strip(),
            approval=approval,
            action=action,
            call=call.package_id,
            parts=[p.value for p in parts],
        )

    def decrypt(self, call: DeskCall, name: str) -> bytes:
        import pyrage

        encrypted = name + ".age"
        expected = self._visible()[call.package_id]["files"].get(encrypted)
        data = self.store.get(f"{call.package_id}/{encrypted}")
        if expected is None or data is None or sha256_hex(data) != expected["sha256"]:
            raise UserFacingError(f"{call.package_id}/{encrypted} is missing or damaged.")
        return bytes(pyrage.decrypt(data, [self.keys.identity]))

    def open(self, call: str, opening: Opening) -> dict[str, Any]:
        """Moments, notes, CRM fields and consent evidence: the manifest, in memory."""
        found = self.find(call)
        self.record(found, "open", [Part.MOMENTS_NOTES], opening)
        return dict(json.loads(self.decrypt(found, MANIFEST)))

    def play(self, call: str, opening: Opening) -> bytes:
        """The call's audio (Ogg Opus bytes) for the player."""
        found = self.find(call)
        check_access(self.policy.access, self.keys.reviewer, found.rep, Part.AUDIO, opening.purpose)
        if not found.has_audio:
            raise AccessRefused(f"{found.package_id} has no audio (no consent, or none kept).")
        self.record(found, "play", [Part.AUDIO], opening)
        return self.decrypt(found, AUDIO)

    def read_transcript(self, call: str, opening: Opening) -> str:
        found = self.find(call)
        check_access(
            self.policy.access, self.keys.reviewer, found.rep, Part.TRANSCRIPT, opening.purpose
        )
        if TRANSCRIPT_VTT + ".age" not in found.files:
            raise AccessRefused(f"{found.package_id} has no transcript.")
        self.record(found, "read", [Part.TRANSCRIPT], opening)
        return self.decrypt(found, TRANSCRIPT_VTT).decode("utf-8")
