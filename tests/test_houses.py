"""Two houses: the rep's companion and the organisation's desk share only core and edges.

A rep's laptop must never contain or load the desk, so each direction is an
import-linter contract, and the rep's entry points are checked to load nothing of it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def copy_of_the_code(tmp_path: Path, *, without_desk: bool = False) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", *(["desk"] if without_desk else []))
    shutil.copytree(ROOT / "companion", tmp_path / "companion", ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_an_import_of_the_desk_from_the_rep_app_breaks_the_contract(tmp_path):
    code = copy_of_the_code(tmp_path)
    app = code / "companion" / "app" / "__init__.py"
    app.write_text(app.read_text() + "\nimport companion.desk.app.service  # noqa: E402, F401\n")
    done = run(
        code, "-c", "from importlinter.cli import lint_imports_command; lint_imports_command()"
    )
    assert done.returncode != 0
    assert "The rep's companion never imports the desk BROKEN" in done.stdout


def test_an_import_of_the_rep_app_from_the_desk_breaks_the_contract(tmp_path):
    code = copy_of_the_code(tmp_path)
    desk = code / "companion" / "desk" / "app" / "__init__.py"
    desk.write_text(desk.read_text() + "\nimport companion.app.compose  # noqa: E402, F401\n")
    done = run(
        code, "-c", "from importlinter.cli import lint_imports_command; lint_imports_command()"
    )
    assert done.returncode != 0
    assert "The desk never imports the rep's app, ui or command line BROKEN" in done.stdout


REP_ENTRY_POINTS = """
import sys
import companion.cli, companion.ui.shell.app, companion.app.compose
companion.cli.build_parser().parse_args(["doctor"])
loaded = sorted(m for m in sys.modules if m.startswith("companion.desk"))
print(loaded)
"""


def test_the_rep_entry_points_load_nothing_of_the_desk(tmp_path):
    done = run(ROOT, "-c", REP_ENTRY_POINTS)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


WALK_EVERY_MODULE = """
import importlib, pkgutil, companion
names = [m.name for m in pkgutil.walk_packages(companion.__path__, "companion.")]
for name in names:
    if not name.endswith("__main__"):
        importlib.import_module(name)
print(len(names))
"""


def test_the_rep_app_works_with_the_desk_folder_deleted(tmp_path):
    code = copy_of_the_code(tmp_path, without_desk=True)
    assert not (code / "companion" / "desk").exists()
    walked = run(code, "-c", WALK_EVERY_MODULE)
    assert walked.returncode == 0, walked.stderr
    assert int(walked.stdout) > 100  # every module of the rep's app imported
    policy = ROOT / "resources" / "policy" / "default-policy.toml"
    checked = run(code, "-m", "companion", "policy", "check", str(policy))
    assert checked.returncode == 0, checked.stderr
    desk = run(code, "-m", "companion", "desk", "list")
    assert desk.returncode == 2
    assert desk.stderr.strip() == "error: the organisation's desk is not part of this installation"
