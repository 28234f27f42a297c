"""Where a save dialog opens: the rep's documents folder, never the app's own folder.

A bare file name made Qt open the dialog in the process's working folder (the source
checkout, when started with `uv run`), where a rep's exports do not belong.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths


def documents_path(name: str) -> str:
    """`name` in the rep's documents folder (their home folder if there is none)."""
    found = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    folder = Path(found) if found and Path(found).is_dir() else Path.home()
    return str(folder / name)
