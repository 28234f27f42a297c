"""Rooms a newcomer can find: small folders, each saying what lives there, all on the map."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "companion"
MAP = ROOT / "docs" / "architecture.md"
MOST_MODULES = 15


def folders() -> list[Path]:
    # Alembic's migrations/ and versions/ are the store's scripts, not rooms.
    skipped = ("migrations", "versions")
    found = PACKAGE.rglob("*")
    return sorted(p for p in found if p.is_dir() and any(p.glob("*.py")) and p.name not in skipped)


def test_no_folder_holds_more_than_fifteen_modules():
    crowded = {
        str(f.relative_to(ROOT)): n
        for f in folders()
        if (n := len([m for m in f.glob("*.py") if m.name != "__init__.py"])) > MOST_MODULES
    }
    assert crowded == {}


def test_every_folder_says_what_lives_there():
    silent = [
        str(f.relative_to(ROOT))
        for f in folders()
        if not (f / "__init__.py").exists()
        or not ast.get_docstring(ast.parse((f / "__init__.py").read_text()))
    ]
    assert silent == []


def test_the_architecture_page_names_every_room():
    page = MAP.read_text()
    rooms = [f.relative_to(PACKAGE) for f in folders() if f != PACKAGE]
    missing = [
        str(room)
        for room in rooms
        if f"{room.name}/" not in page and f"companion/{room}" not in page
    ]
    assert missing == []
