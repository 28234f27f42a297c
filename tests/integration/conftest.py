"""Fixtures the folder and S3 target tests share (a module's own fixture of the same
name wins over these)."""

from __future__ import annotations

import pyrage
import pytest

from companion.core.calls.session import CallState


@pytest.fixture
def org():
    return pyrage.x25519.Identity.generate()


@pytest.fixture
def context(companion_home, make_context):
    ctx = make_context()
    yield ctx
    if ctx.calls.current is not None and ctx.calls.current.state is not CallState.ENDED:
        ctx.calls.end_call()
