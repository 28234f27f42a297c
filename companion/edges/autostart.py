"""Starting with the rep's session, the XDG way (Linux desktops).

The package installs `/etc/xdg/autostart/<APP_ID>.desktop`. The rep switches it off in
Settings ("Start with my session"): that writes an entry of the same name with
`Hidden=true` into `~/.config/autostart/`, which every XDG desktop reads as "not for
me"; switching it on again removes that entry (or, where no package installed one,
writes an entry of the rep's own).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

APP_ID = "org.repcompanion.RepCompanion"
ENTRY = f"{APP_ID}.desktop"
OWN_ENTRY = """[Desktop Entry]
Type=Application
Name=Rep Companion
Exec=companion
Icon=org.repcompanion.RepCompanion
Terminal=false
NoDisplay=true
"""
HIDDEN_ENTRY = "[Desktop Entry]\nType=Application\nName=Rep Companion\nHidden=true\n"


class SessionAutostart:
    def __init__(self, user_dir: Path, system_dirs: tuple[Path, ...]) -> None:
        self.user_entry = user_dir / ENTRY
        self._system_dirs = system_dirs

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> SessionAutostart:
        env = os.environ if environ is None else environ
        config_home = Path(env.get("XDG_CONFIG_HOME") or Path.home() / ".config")
        dirs = env.get("XDG_CONFIG_DIRS") or "/etc/xdg"
        return cls(
            config_home / "autostart",
            tuple(Path(d) / "autostart" for d in dirs.split(":") if d),
        )

    @property
    def system_entry(self) -> Path | None:
        """The entry the package installed, if any (the first in XDG order wins)."""
        return next((d / ENTRY for d in self._system_dirs if (d / ENTRY).is_file()), None)

    def available(self) -> bool:
        """Whether the choice means anything here (only XDG desktops read these entries)."""
        return os.name == "posix" and os.uname().sysname != "Darwin"

    def enabled(self) -> bool:
        if self.user_entry.is_file():
            return not _hidden(self.user_entry)
        return self.system_entry is not None and not _hidden(self.system_entry)

    def set_enabled(self, on: bool) -> None:
        """Raises OSError when the rep's config folder cannot be written."""
        if on and self.system_entry is not None and not _hidden(self.system_entry):
            self.user_entry.unlink(missing_ok=True)  # the package's entry applies again
            return
        self.user_entry.parent.mkdir(parents=True, exist_ok=True)
        partial = self.user_entry.with_name(ENTRY + ".partial")
        partial.write_text(OWN_ENTRY if on else HIDDEN_ENTRY, encoding="utf-8")
        os.replace(partial, self.user_entry)


def _hidden(entry: Path) -> bool:
    try:
        lines = entry.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return False
    return any(
        line.replace(" ", "").lower() in ("hidden=true", "x-gnome-autostart-enabled=false")
        for line in lines
    )
