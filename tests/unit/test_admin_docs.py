"""The README's least-privilege IAM documents: valid JSON, and the laptop's never lets it
write the policy, delete a package or bypass retention."""

from __future__ import annotations

import json
import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def iam_documents() -> list[dict]:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### Least-privilege rights") :]
    section = section[: section.index("\n## ")]
    blocks = re.findall(r"\n    \{\n(?:    .*\n)+?    \}\n", section)
    return [json.loads("\n".join(line[4:] for line in b.strip("\n").splitlines())) for b in blocks]


def allowed(document: dict, action: str, resource: str) -> bool:
    """Allowed by some statement and denied by none (wildcards as IAM matches them)."""

    def matches(patterns: str | list[str], value: str) -> bool:
        patterns = [patterns] if isinstance(patterns, str) else patterns
        return any(re.fullmatch(re.escape(p).replace(r"\*", ".*"), value) for p in patterns)

    def hit(statement: dict) -> bool:
        return matches(statement["Action"], action) and matches(statement["Resource"], resource)

    statements = document["Statement"]
    if any(s["Effect"] == "Deny" and hit(s) for s in statements):
        return False
    return any(s["Effect"] == "Allow" and hit(s) for s in statements)


def test_the_laptops_rights_are_least_privilege():
    laptop, desk = iam_documents()
    bucket = "arn:aws:s3:::org-calls"
    assert allowed(laptop, "s3:PutObject", f"{bucket}/call-1234/index.json")
    assert allowed(laptop, "s3:GetObject", f"{bucket}/policy/policy.toml")
    assert allowed(laptop, "s3:GetObject", f"{bucket}/receipts/${{aws:username}}/00000001.json.age")
    assert not allowed(laptop, "s3:PutObject", f"{bucket}/policy/policy.toml")
    assert not allowed(laptop, "s3:DeleteObject", f"{bucket}/call-1234/index.json")
    assert not allowed(laptop, "s3:BypassGovernanceRetention", f"{bucket}/call-1234/index.json")
    assert not allowed(laptop, "s3:GetObject", f"{bucket}/receipts/someone-else/1.json.age")
    assert not allowed(desk, "s3:PutObject", f"{bucket}/policy/policy.toml")
    assert allowed(desk, "s3:PutObject", f"{bucket}/receipts/alice/00000001.json.age")
