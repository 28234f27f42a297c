"""Fixtures the folder and S3 target tests share (a module's own fixture of the same
name wins over these)."""

from __future__ import annotations

import pyrage
import pytest


@pytest.fixture
def org():
    return pyrage.x25519.Identity.generate()
