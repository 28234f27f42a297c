"""The core (policy, call lifecycle, retention, errors) is Qt-free, audio-free, store-free
and layered below everything else; and the grant mint is reachable only from the grant
module and the call session. import-linter (in `.ci/run`) checks the layers as a whole."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import companion

PACKAGE = Path(companion.__file__).resolve().parent
ROOT = PACKAGE.parent
CORE_DIRS = [PACKAGE / "core"]
FORBIDDEN_LAYERS = ("companion.ui", "companion.app", "companion.edges")
CORE_MODULES = [
    "companion.core.policy.model",
    "companion.core.policy.parse",
    "companion.core.policy.active",
    "companion.core.policy.rules",
    "companion.core.calls.session",
    "companion.core.calls.grant",
    "companion.core.calls.recorder",
    "companion.core.calls.limits",
    "companion.core.retention",
    "companion.core.errors",
]
# The world the core must not touch: Qt, audio, the store, the keyring, the network.
FORBIDDEN_LIBRARIES = (
    "PySide6",
    "shiboken6",
    "sounddevice",
    "_sounddevice",
    "sqlalchemy",
    "keyring",
    "boto3",
)

PROBE = """
import json, sys
for name in sys.argv[1:]:
    __import__(name)
print(json.dumps(sorted(sys.modules)))
"""


def imported_modules(*modules: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *modules],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout))


def is_under(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def test_core_imports_neither_qt_nor_audio():
    loaded = imported_modules(*CORE_MODULES)
    assert set(CORE_MODULES) <= loaded  # the probe really imported them
    for package in FORBIDDEN_LIBRARIES:
        offenders = sorted(m for m in loaded if is_under(m, package))
        assert offenders == [], f"the core pulled in {package}: {offenders}"
    assert not any(is_under(m, layer) for m in loaded for layer in FORBIDDEN_LAYERS)


def test_the_probe_would_notice_qt():
    # Guards the test above: the same probe does see PySide6 when it is imported.
    loaded = imported_modules("PySide6.QtCore")
    assert "PySide6" in loaded


# -- static checks ---------------------------------------------------------------------


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> set[str]:
    """Absolute names of every module `path` imports (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module_name(path)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts)
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, (ast.Name, ast.Attribute))
            and (getattr(node.func, "id", None) or getattr(node.func, "attr", None))
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names.add(node.args[0].value)
    return names


def core_files() -> list[Path]:
    return sorted(p for d in CORE_DIRS for p in d.rglob("*.py"))


def test_core_does_not_import_the_layers_above():
    files = core_files()
    assert {p.name for p in files} >= {"model.py", "rules.py", "session.py", "grant.py"}
    violations = {
        str(path.relative_to(ROOT)): sorted(
            name for name in imports_of(path) if any(is_under(name, x) for x in FORBIDDEN_LAYERS)
        )
        for path in files
    }
    assert {k: v for k, v in violations.items() if v} == {}


def test_import_scan_sees_real_imports():
    # Guards the scan: it finds session.py's imports, absolute and resolved.
    names = imports_of(PACKAGE / "core" / "calls" / "session.py")
    assert "companion.core.calls.grant._mint" in names
    assert "companion.core.policy.rules" in names


def references(path: Path, identifier: str) -> list[int]:
    """Line numbers where `identifier` appears as a name, attribute, import or string."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    lines = []
    for node in ast.walk(tree):
        hit = (
            (isinstance(node, ast.Name) and node.id == identifier)
            or (isinstance(node, ast.Attribute) and node.attr == identifier)
            or (isinstance(node, ast.alias) and identifier in (node.name, node.asname))
            or (isinstance(node, ast.alias) and node.name.rsplit(".", 1)[-1] == identifier)
            or (isinstance(node, ast.FunctionDef) and node.name == identifier)
            or (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and identifier in node.value.split()
            )
        )
        if hit:
            lines.append(getattr(node, "lineno", 0))
    return lines


def files_referencing(identifier: str) -> set[str]:
    return {
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        if references(path, identifier)
    }


def test_mint_is_referenced_only_by_grant_and_session():
    assert files_referencing("_mint") == {"core/calls/grant.py", "core/calls/session.py"}


def test_mint_token_is_referenced_only_by_grant():
    assert files_referencing("_MINT") == {"core/calls/grant.py"}
