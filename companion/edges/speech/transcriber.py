"""What a speech engine must do for the app: mono 16 kHz speech in, timed words out.

Engines live beside it in `companion.edges.speech`; this protocol is what the transcription job
depends on, so a null engine (none installed) and a real one are interchangeable.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from companion.core.errors import UserFacingError

if TYPE_CHECKING:
    import numpy as np

SPEECH_RATE = 16_000
Progress = Callable[[float], None]  # fraction of this side done, 0..1


@dataclass(frozen=True)
class HeardWord:
    text: str
    start: float  # seconds into the audio given to the engine
    end: float
    confidence: float = 1.0  # the engine's probability for the word, 0..1


@dataclass(frozen=True)
class Utterance:
    start: float
    end: float
    words: tuple[HeardWord, ...]


@dataclass(frozen=True)
class EngineInfo:
    name: str
    model: str
    language: str


class EngineUnavailable(UserFacingError):
    """The configured engine or its model cannot be loaded on this laptop."""


class Transcriber(Protocol):
    @property
    def info(self) -> EngineInfo: ...

    def transcribe(
        self, samples: np.ndarray, progress: Progress, language: str | None = None
    ) -> list[Utterance]:
        """`samples` are int16 mono at SPEECH_RATE; utterances in time order. `language`:
        the call's (its consent script's), None to let the engine detect it."""
        ...

    def unload(self) -> None:
        """Free the model: idle memory after a transcription is measured."""
        ...
