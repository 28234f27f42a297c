"""Choosing the speech engine: the rep's setting, else the policy's, else PocketSphinx."""

from __future__ import annotations

from pathlib import Path

from companion.edges.speech.pocketsphinx_engine import PocketSphinxEngine
from companion.edges.speech.transcriber import EngineUnavailable, Transcriber
from companion.edges.speech.whisper_engine import WhisperEngine

ENGINES = ("pocketsphinx", "faster-whisper")


def make_engine(
    name: str, model_dir: str | None = None, language: str | None = None
) -> Transcriber:
    if name == "pocketsphinx":
        return PocketSphinxEngine()
    if name == "faster-whisper":
        if not model_dir:
            raise EngineUnavailable(
                "faster-whisper needs a model folder and none is set",
                "set one in Settings (Transcription) or in the policy's transcription.model_dir",
            )
        return WhisperEngine(Path(model_dir).expanduser(), language)
    raise EngineUnavailable(f"unknown speech engine '{name}'", f"use one of: {', '.join(ENGINES)}")
