"""The web desk under uvicorn on loopback, once per module (tests/web_desk_world.py)."""

from __future__ import annotations

import pytest
from web_desk_world import DeskWorld, free_port, serving


@pytest.fixture(scope="module")
def desk_world(tmp_path_factory):
    world = DeskWorld(tmp_path_factory.mktemp("web-desk"))
    port = free_port()
    world.write(port)
    with serving(world, port) as running:
        yield world, running
