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
DITHER = 16.0  # standard deviation in int16 steps: about -66 dBFS
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

    def transcribe(
        self, samples: np.ndarray, progress: Progress, language: str | None = None
    ) -> list[Utterance]:
        # US English only: `language` is not this engine's to choose.
        from pocketsphinx import Segmenter

        decoder = self._load()
        total = max(1, len(samples))
        segmenter = Segmenter(sample_rate=SPEECH_RATE)
        utterances: list[Utterance] = []
        for piece in segmenter.segment(DitheredStream(samples)):
            # Before each decode, not only after: the caller may hold the work here (a
            # recording started), so at most one utterance is decoded beside a recording.
            progress(min(1.0, piece.start_time * SPEECH_RATE / total))
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


class DitheredStream:
    """The samples as a file-like stream of int16 bytes, with a noise floor and a tail.

    Digital silence (a muted mic, a softphone's quiet far end) upsets PocketSphinx's
    running cepstral mean: a -66 dBFS noise floor, as any microphone has, keeps it sane
    (bench: word error rate 0.66 -> 0.36 on a call with exact-zero gaps). The tail of
    silence lets the segmenter close speech that runs to the very end (it yields a
    stretch only once it hears silence after it). Chunk by chunk: an hour of a side is
    115 MB as int16, and would be 460 MB more as one float64 noise array.
    """

    def __init__(self, samples: np.ndarray, tail_seconds: float = 1.0) -> None:
        import numpy as np

        self._samples = samples
        self._end = len(samples) + int(tail_seconds * SPEECH_RATE)
        self._at = 0
        self._rng = np.random.default_rng(0)  # the same call gives the same transcript

    def read(self, size: int) -> bytes:
        import numpy as np

        count = min(size // 2, self._end - self._at)
        if count <= 0:
            return b""
        chunk = np.zeros(count, dtype=np.float32)
        real = self._samples[self._at : self._at + count]
        chunk[: len(real)] = real
        chunk += self._rng.normal(0.0, DITHER, count).astype(np.float32)
        self._at += count
        return np.clip(chunk, -32768, 32767).astype(np.int16).tobytes()


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
