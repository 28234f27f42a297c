"""What the app remembers about policies, apart from the policy file it may replace.

`<data>/policy-state.json`: {"key_given": true, "highest_version": "2026.12.1",
"refused": "<sha256 of the published policy last refused>"}. The app never deletes it.

It is one of three floors against a rollback: a policy older than the newest of (this
file, the policy in force, the newest `policy.updated` in the hash-chained audit trail)
is refused. A rep who deletes this file still has the other two; a rep who deletes the
whole profile starts over as a new laptop, which only a root-owned trust anchor (see
`trust`) can stop.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from companion.core.policy.versions import newest


@dataclass(frozen=True)
class PolicyState:
    key_given: bool = False  # an organisation key was in use here: a missing one is refused
    highest_version: str | None = None
    refused: str = ""  # digest of the published policy last refused: warn once per change

    @classmethod
    def load(cls, path: Path) -> PolicyState:
        try:
            data = json.loads(path.read_bytes()[:4096])
            return cls(
                bool(data.get("key_given", False)),
                str(data["highest_version"]) if data.get("highest_version") else None,
                str(data.get("refused", "")),
            )
        except (OSError, ValueError, TypeError, AttributeError):
            return cls()

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # A file of its own per write: the tray's policy watch and another thread may
        # record at once, and one must not rename the other's file away (it crashed so).
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".partial")
        partial = Path(name)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(json.dumps(asdict(self), indent=2))
            partial.replace(path)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise

    def seen(self, version: str | None, key_given: bool) -> PolicyState:
        """With `version` in force (signed) and whether a key was in use."""
        return replace(
            self,
            key_given=self.key_given or key_given,
            highest_version=newest(self.highest_version, version),
        )


def remember(path: Path, version: str | None, key_given: bool) -> PolicyState:
    """Record what is in force now; writes only when something changed."""
    before = PolicyState.load(path)
    after = before.seen(version, key_given)
    if after != before:
        after.save(path)
    return after
