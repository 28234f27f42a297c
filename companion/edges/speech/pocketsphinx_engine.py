"""CMU PocketSphinx: offline US-English speech recognition, its model inside the wheel.

Speech is cut into utterances by PocketSphinx's own voice activity detector, and each
utterance is decoded on its own: a whole hour in one utterance would make the search
slow and its memory grow. Imported only when a call is transcribed.
"""

from __future__ import annotations

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

FRAME_SECONDS = 0.01  # PocketSphinx reports word times in 10 ms frames
FILLERS = ("<s>", "</s>", "<sil>", "[NOISE]", "<unk>")


class PocketSphinxEngine:
    def __init__(self) -> None:
        self._decoder: Any = None

    @property
    def info(self) -> EngineInfo:
        return EngineInfo("pocketsphinx", "en-us (bundled)", "en")

    def _load(self) -> Any:
        if self._decoder is None:
            try:
                from pocketsphinx import Decoder
            except ImportError as error:
                raise EngineUnavailable(
                    f"the speech engine PocketSphinx is not installed ({error})",
                    "reinstall Rep Companion: `uv sync`",
                ) from error
            self._decoder = Decoder(samprate=SPEECH_RATE, loglevel="FATAL")
        return self._decoder

    def transcribe(self, samples: np.ndarray, progress: Progress) -> list[Utterance]:
        import io

        import numpy as np
        from pocketsphinx import Segmenter

        decoder = self._load()
        total = max(1, len(samples))
        segmenter = Segmenter(sample_rate=SPEECH_RATE)
        # The segmenter yields a stretch of speech only once it hears silence after it:
        # speech running to the very end of a recording would be dropped without this.
        padded = np.concatenate([samples, np.zeros(SPEECH_RATE, dtype=np.int16)])
        utterances: list[Utterance] = []
        for piece in segmenter.segment(io.BytesIO(padded.tobytes())):
            decoder.start_utt()
            decoder.process_raw(piece.pcm, full_utt=True)
            decoder.end_utt()
            words = _words(decoder, piece.start_time)
            if words:
                utterances.append(Utterance(words[0].start, words[-1].end, tuple(words)))
            progress(min(1.0, piece.end_time * SPEECH_RATE / total))
        progress(1.0)
        return utterances

    def unload(self) -> None:
        self._decoder = None


def _words(decoder: Any, offset: float) -> list[HeardWord]:
    words = []
    for seg in decoder.seg():
        if seg.word in FILLERS or seg.word.startswith("["):
            continue
        text = seg.word.split("(")[0]  # "friday(2)": the second pronunciation
        start = offset + seg.start_frame * FRAME_SECONDS
        end = offset + (seg.end_frame + 1) * FRAME_SECONDS
        words.append(HeardWord(text, start, end))
    return words
