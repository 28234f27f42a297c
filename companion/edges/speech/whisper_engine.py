"""faster-whisper (CTranslate2): more accurate, many languages, from a model folder.

Optional (`uv sync --extra whisper`). The model is a folder the rep or the organisation
points to; nothing is ever downloaded at run time (`local_files_only`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from companion.edges.speech.transcriber import (
    SPEECH_RATE,
    EngineInfo,
    EngineUnavailable,
    HeardWord,
    Progress,
    Utterance,
)

if TYPE_CHECKING:
    import numpy as np


class WhisperEngine:
    def __init__(self, model_dir: Path, language: str | None = None) -> None:
        self._model_dir, self._language = model_dir, language
        self._model: Any = None

    @property
    def info(self) -> EngineInfo:
        return EngineInfo("faster-whisper", str(self._model_dir), self._language or "auto")

    def _load(self) -> Any:
        if self._model is None:
            try:
                from faster_whisper import WhisperModel
            except ImportError as error:
                raise EngineUnavailable(
                    "the faster-whisper engine is not installed",
                    "install it with `uv sync --extra whisper`, or use pocketsphinx",
                ) from error
            if not (self._model_dir / "model.bin").is_file():
                raise EngineUnavailable(
                    f"{self._model_dir} is not a faster-whisper model folder (no model.bin)",
                    "point Settings or the policy's transcription.model_dir to a "
                    "CTranslate2 Whisper model folder",
                )
            self._model = WhisperModel(
                str(self._model_dir), device="cpu", compute_type="int8", local_files_only=True
            )
        return self._model

    def transcribe(self, samples: np.ndarray, progress: Progress) -> list[Utterance]:
        model = self._load()
        audio = samples.astype("float32") / 32768.0
        segments, _info = model.transcribe(
            audio, language=self._language, word_timestamps=True, vad_filter=True
        )
        total = max(1e-9, len(samples) / SPEECH_RATE)
        utterances = []
        for segment in segments:  # a generator: decoding happens as it is read
            words = tuple(
                HeardWord(w.word.strip(), float(w.start), float(w.end))
                for w in (segment.words or [])
                if w.word.strip()
            )
            if words:
                utterances.append(Utterance(words[0].start, words[-1].end, words))
            progress(min(1.0, float(segment.end) / total))
        progress(1.0)
        return utterances

    def unload(self) -> None:
        self._model = None
