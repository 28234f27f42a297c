"""`companion transcribe FILE`: any audio file through an engine, for an admin's check.

An admin tries an engine and a model on their own recordings before rolling it out. A
stereo file is read as a call (left the rep, right the customer); a mono file as one
voice. Nothing is stored: the text goes to standard output.
"""

from __future__ import annotations

from pathlib import Path

from companion.core.errors import UserFacingError
from companion.core.transcripts.model import Speaker, Transcript, in_time_order
from companion.edges.speech.transcriber import Transcriber


class AudioFileError(UserFacingError):
    """The file cannot be read as audio."""


def transcribe_file(path: Path, engine: Transcriber) -> Transcript:
    import soundfile as sf

    from companion.app.transcripts.transcription import lines_for_side
    from companion.edges.speech.prepare import side_for_speech

    try:
        frames, rate = sf.read(str(path), dtype="int16", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, OSError) as error:
        raise AudioFileError(
            f"{path}: not an audio file this app can read ({error})",
            "give a WAV, FLAC or Ogg (Vorbis or Opus) file",
        ) from error
    speakers: tuple[Speaker, ...] = ("rep", "customer") if frames.shape[1] >= 2 else ("rep",)
    spans = [(0, len(frames))]
    lines = []
    for side, speaker in enumerate(speakers):
        samples = side_for_speech(frames, side, rate)
        heard = engine.transcribe(samples, lambda _fraction: None)
        lines.extend(lines_for_side(heard, speaker, spans, rate))
    info = engine.info
    engine.unload()
    return Transcript(info.name, info.model, info.language, in_time_order(lines), 0, speakers)
