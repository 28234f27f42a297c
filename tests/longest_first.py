"""The longest test files go to the workers first, so that both finish at about the same time.

A file's tests stay on one worker (`--dist loadfile`: its module-scoped peers start once),
and a worker takes the next file from the queue when it runs low. xdist's own order puts
files with many tests first, which leaves one-test files like the .deb install (about
95 s) for the end, where one worker runs it alone while the other waits. Here the queue
is ordered by how long each file took in a measured run (`file_durations.json`), longest
first; a file not measured yet counts as the median. The measurements are a scheduling
hint only: a wrong or stale number costs time, never a test.

Refresh the numbers from a run with `--durations=0`:

    uv run pytest --durations=0 | tee run.log
    uv run python tests/longest_first.py run.log > tests/file_durations.json
"""

from __future__ import annotations

import json
import re
import statistics
import sys
from collections import defaultdict
from pathlib import Path

import pytest

DURATIONS = Path(__file__).with_name("file_durations.json")
LINE = re.compile(r"^(?P<seconds>[0-9.]+)s (?:setup|call|teardown) +(?P<file>[^:\s]+)::")


def _measured() -> dict[str, float]:
    try:
        known = json.loads(DURATIONS.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): float(v) for k, v in known.items() if isinstance(v, int | float)}


@pytest.hookimpl(trylast=True)  # after pytest's own ordering within a file
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    known = _measured()
    if not known:
        return
    typical = statistics.median(known.values())
    root = Path(__file__).resolve().parent.parent

    def cost(item: pytest.Item) -> tuple[float, str]:
        file = item.path.resolve().relative_to(root).as_posix()
        return -known.get(file, typical), file

    items.sort(key=cost)  # stable: each file's own order is kept


def durations_from_log(text: str) -> dict[str, float]:
    """Seconds per test file from pytest's `--durations=0` report."""
    totals: dict[str, float] = defaultdict(float)
    for line in text.splitlines():
        found = LINE.match(line)
        if found:
            totals[found["file"]] += float(found["seconds"])
    return {file: round(seconds, 1) for file, seconds in sorted(totals.items())}


if __name__ == "__main__":
    log = Path(sys.argv[1]).read_text(encoding="utf-8")
    print(json.dumps(durations_from_log(log), indent=1))
