"""The Windows registry, read only, behind a small seam (tests use a dict-backed fake).

Used by the managed settings (HKLM\\Software\\Policies) and by the microphone watch's
fallback (HKCU ConsentStore). `winreg` is imported only when a key is read, on Windows;
the code under `sys.platform == "win32"` is checked by `mypy --platform win32`.
"""

from __future__ import annotations

import sys
from typing import Literal, Protocol

Hive = Literal["HKLM", "HKCU"]


class Registry(Protocol):
    def values(self, hive: Hive, path: str) -> dict[str, object] | None:
        """The key's values by name; None when the key does not exist."""
        ...

    def subkeys(self, hive: Hive, path: str) -> list[str] | None: ...


class WinRegistry:
    """The real registry. A key that exists but cannot be read raises PermissionError."""

    def values(self, hive: Hive, path: str) -> dict[str, object] | None:
        if sys.platform == "win32":
            import winreg

            root = winreg.HKEY_LOCAL_MACHINE if hive == "HKLM" else winreg.HKEY_CURRENT_USER
            try:
                key = winreg.OpenKey(root, path, 0, winreg.KEY_READ)
            except FileNotFoundError:
                return None
            found: dict[str, object] = {}
            with key:
                for index in range(winreg.QueryInfoKey(key)[1]):
                    name, value, _type = winreg.EnumValue(key, index)
                    found[name] = value
            return found
        raise OSError("the Windows registry exists only on Windows")

    def subkeys(self, hive: Hive, path: str) -> list[str] | None:
        if sys.platform == "win32":
            import winreg

            root = winreg.HKEY_LOCAL_MACHINE if hive == "HKLM" else winreg.HKEY_CURRENT_USER
            try:
                key = winreg.OpenKey(root, path, 0, winreg.KEY_READ)
            except FileNotFoundError:
                return None
            with key:
                return [winreg.EnumKey(key, i) for i in range(winreg.QueryInfoKey(key)[0])]
        raise OSError("the Windows registry exists only on Windows")
