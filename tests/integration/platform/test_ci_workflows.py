"""The Windows and macOS workflow files parse, and each installs, tests and bundles."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

WORKFLOWS = Path(__file__).resolve().parents[3] / ".github" / "workflows"


@pytest.mark.parametrize(
    ("name", "runner", "platform"),
    [("windows.yml", "windows-latest", "win32"), ("macos.yml", "macos-14", "darwin")],
)
def test_workflow_installs_tests_and_bundles(name, runner, platform):
    flow = yaml.safe_load((WORKFLOWS / name).read_text())
    triggers = flow.get("on", flow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert {"push", "pull_request"} <= set(triggers)
    (job,) = flow["jobs"].values()
    assert job["runs-on"] == runner
    steps = job["steps"]
    uses = [s["uses"].split("@")[0] for s in steps if "uses" in s]
    runs = " | ".join(s["run"] for s in steps if "run" in s)
    assert uses[:2] == ["actions/checkout", "astral-sh/setup-uv"]
    assert "uv sync --locked" in runs
    assert f"mypy --platform {platform}" in runs
    assert "pytest tests/unit" in runs
    assert "generate.py --check" in runs
    assert "pyinstaller" in runs and "--onedir" in runs
    assert "actions/upload-artifact" in uses
    assert all(s.get("name") for s in steps)
