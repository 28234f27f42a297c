"""The desk service's tests: a world per test (store folder, secret file, SQLite file)."""

from __future__ import annotations

import pytest
from access_helpers import Org
from desk_service_world import ServiceWorld


@pytest.fixture
def world(tmp_path):
    made = ServiceWorld(Org(), tmp_path / "world", str(tmp_path / "world" / "desk.db"))
    made.set_up()
    return made
