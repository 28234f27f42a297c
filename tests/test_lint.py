"""The code base stays ruff-clean: lint and format are checked like any other behaviour."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def ruff(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_ruff_check_is_clean():
    done = ruff("check", "companion", "tests")
    assert done.returncode == 0, done.stdout


def test_ruff_format_is_clean():
    done = ruff("format", "--check", "companion", "tests")
    assert done.returncode == 0, done.stdout


def private_writes(source: str, filename: str) -> list[str]:
    """`obj._name = ...` (or +=, or setattr(obj, "_name", ...)) on anything but `self`."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        line = getattr(node, "lineno", 0)
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        for target in targets:
            if (
                isinstance(target, ast.Attribute)
                and target.attr.startswith("_")
                and not target.attr.startswith("__")
                and not (isinstance(target.value, ast.Name) and target.value.id in ("self", "cls"))
            ):
                found.append(f"{filename}:{line}: {ast.unparse(target)} = ...")
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, (ast.Name, ast.Attribute))
            and (getattr(node.func, "id", None) or getattr(node.func, "attr", None)) == "setattr"
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and str(node.args[1].value).startswith("_")
        ):
            found.append(f"{filename}:{line}: setattr(..., {node.args[1].value!r}, ...)")
    return found


def test_no_test_writes_a_private_attribute_of_product_code():
    # Tests build what they need through build_context(recorder=..., clock=...) instead.
    offenders = [
        line
        for path in sorted((ROOT / "tests").rglob("*.py"))
        for line in private_writes(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    ]
    assert offenders == []


def test_the_private_write_check_sees_one():
    found = private_writes("calls._recorder = None\nself._ok = 1\nsetattr(x, '_c', 2)\n", "t.py")
    assert found == ["t.py:1: calls._recorder = ...", "t.py:3: setattr(..., '_c', ...)"]
