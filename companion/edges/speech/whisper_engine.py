"""faster-whisper (CTranslate2, int8 on the CPU): the default engine, many languages.

The model is the bundled Whisper base (see `bundled_model`), or a CTranslate2 Whisper
model folder the organisation points to (`[transcription] model_dir`, e.g. a converted
`small`); nothing is ever downloaded at run time (`local_files_only`). Each word keeps
the engine's probability, so drafts can leave out what the engine was unsure of.
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

CPU_THREADS = 2  # a 2-core laptop: the transcription process runs at nice 19 anyway
# Silero VAD's default threshold (0.5) drops whole phrases of phone-line speech (8 kHz,
# band-passed, noise): phone WER 0.18 on the human-speech bench; 0.2 with 600 ms of
# padding keeps them (0.04), and Whisper's own no-speech check still skips the noise.
VAD = {"threshold": 0.2, "speech_pad_ms": 600}


class WhisperEngine:
    def __init__(
        self, model_dir: Path | None, language: str | None = None, cache: Path | None = None
    ) -> None:
        """`model_dir` None: the bundled model, assembled in `cache` (checked by sha256)."""
        self._model_dir, self._language, self._cache = model_dir, language, cache
        self._model: Any = None

    @property
    def info(self) -> EngineInfo:
        from companion.edges.speech.bundled_model import NAME

        model = str(self._model_dir) if self._model_dir else NAME
        return EngineInfo("faster-whisper", model, self._language or "per call")

    def check(self) -> None:
        """The model is there and intact (the bundled one: each file's sha256), without
        loading it; EngineUnavailable otherwise."""
        self._folder()

    def _folder(self) -> Path:
        if self._model_dir is None:
            from companion.edges.paths import model_cache_dir
            from companion.edges.speech.bundled_model import model_folder

            return model_folder(self._cache or model_cache_dir())
        if not (self._model_dir / "model.bin").is_file():
            raise EngineUnavailable(
                f"{self._model_dir} is not a faster-whisper model folder (no model.bin)",
                "point Settings or the policy's transcription.model_dir to a "
                "CTranslate2 Whisper model folder, or leave it unset for the bundled model",
            )
        return self._model_dir

    def _load(self) -> Any:
        if self._model is None:
            try:
                from faster_whisper import WhisperModel
            except ImportError as error:
                raise EngineUnavailable(
                    f"the faster-whisper engine is not installed ({error})",
                    "reinstall Rep Companion: `uv sync`",
                ) from error
            folder = self._folder()
            self._model = WhisperModel(
                str(folder),
                device="cpu",
                compute_type="int8",
                cpu_threads=CPU_THREADS,
                local_files_only=True,
            )
        return self._model

    def transcribe(
        self, samples: np.ndarray, progress: Progress, language: str | None = None
    ) -> list[Utterance]:
        model = self._load()
        audio = samples.astype("float32") / 32768.0
        segments, _info = model.transcribe(
            audio,
            language=language or self._language,
            word_timestamps=True,
            vad_filter=True,
            vad_parameters=VAD,
            # Each stretch of speech on its own: a number said across a pause is not
            # "corrected" from what came before, and a misheard line cannot loop on.
            condition_on_previous_text=False,
        )
        total = max(1e-9, len(samples) / SPEECH_RATE)
        utterances = []
        for segment in segments:  # a generator: decoding happens as it is read
            words = tuple(
                HeardWord(w.word.strip(), float(w.start), float(w.end), float(w.probability))
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
