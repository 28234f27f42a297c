"""Choosing the speech engine: the rep's setting, else the policy's, else faster-whisper
with the bundled Whisper base model."""

from __future__ import annotations

from pathlib import Path

from companion.edges.speech.pocketsphinx_engine import PocketSphinxEngine
from companion.edges.speech.transcriber import EngineUnavailable, Transcriber
from companion.edges.speech.whisper_engine import WhisperEngine

ENGINES = ("faster-whisper", "pocketsphinx")
DEFAULT_ENGINE = "faster-whisper"


def make_engine(
    name: str, model_dir: str | None = None, language: str | None = None
) -> Transcriber:
    """The engine in this process (nothing loads until the first transcription)."""
    if name == "pocketsphinx":
        return PocketSphinxEngine()
    if name == "faster-whisper":
        return WhisperEngine(Path(model_dir).expanduser() if model_dir else None, language)
    raise EngineUnavailable(f"unknown speech engine '{name}'", f"use one of: {', '.join(ENGINES)}")
