"""Giving freed heap back to the operating system after a large, finished job.

glibc keeps freed memory in its arenas; after a transcription (hundreds of MB of
decoder state and audio, freed) the idle app would sit 100 MB above its start-up
figure. `malloc_trim(0)` returns it. Elsewhere (macOS, Windows, musl) this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import sys

log = logging.getLogger(__name__)


def give_back_memory() -> bool:
    """True when the C library was asked to return free heap to the system."""
    if not sys.platform.startswith("linux"):
        return False
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        trim = libc.malloc_trim
    except (OSError, AttributeError):  # not glibc
        return False
    trim.argtypes = [ctypes.c_size_t]
    trim(0)
    return True
