"""Is there a desktop to show the app on? Asked before Qt, which aborts without one."""

from __future__ import annotations

import os
import sys

NO_DESKTOP = "Rep Companion needs a desktop session (no X11 or Wayland display here)"
NO_DESKTOP_FIX = "start it from your desktop, or set QT_QPA_PLATFORM (offscreen for tests)"


def no_desktop() -> bool:
    """On Linux, Qt aborts without a display unless a platform is named: say so first."""
    if not sys.platform.startswith("linux"):
        return False
    has = any(os.environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))
    return not has
