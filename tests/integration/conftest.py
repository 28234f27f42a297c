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


@pytest.fixture
def recording_context(companion_home, make_context):
    """The product's own recorder and transcription: with `pulse_testbed`, `secret_service`."""
    ctx = make_context(real_audio=True)
    yield ctx
    ctx.transcription.stop()
    if ctx.calls.current is not None and ctx.calls.current.state is not CallState.ENDED:
        ctx.calls.end_call()
