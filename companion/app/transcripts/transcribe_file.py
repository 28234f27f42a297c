"""`companion transcribe FILE`: any audio file through an engine, for an admin's check.

An admin tries an engine and a model on their own recordings before rolling it out. A
stereo file is read as a call (left the rep, right the customer); a mono file as one
voice. It is masked by the policy's rules, as a call's transcript would be. Nothing is
stored: the text goes to standard output.
"""

from __future__ import annotations

from pathlib import Path

from companion.core.errors import UserFacingError
from companion.core.transcripts.model import Speaker, Transcript, in_time_order
from companion.core.transcripts.redaction import MaskRules, redact
from companion.edges.speech.transcriber import Transcriber


class AudioFileError(UserFacingError):
    """The file cannot be read as audio."""


# A call is telephone (8 kHz) to studio (192 kHz) audio, at most a working day long: a
# header declaring 1 Hz would be resampled into gigabytes.
RATES = (8_000, 192_000)
MAX_SECONDS = 12 * 3600
MAX_CHANNELS = 8


def _check_header(path: Path) -> None:
    import soundfile as sf

    try:
        info = sf.info(str(path))
    except (sf.LibsndfileError, RuntimeError, OSError) as error:
        raise AudioFileError(
            f"{path}: not an audio file this app can read ({error})",
            "give a WAV, FLAC or Ogg (Vorbis or Opus) file",
        ) from error
    if not RATES[0] <= info.samplerate <= RATES[1]:
        raise AudioFileError(
            f"{path}: declares {info.samplerate} Hz, not a recording's sample rate",
            f"give audio sampled at {RATES[0]} to {RATES[1]} Hz",
        )
    if not 1 <= info.channels <= MAX_CHANNELS or info.frames > MAX_SECONDS * info.samplerate:
        raise AudioFileError(
            f"{path}: {info.channels} channel(s), {info.frames / info.samplerate:.0f} s: "
            "not a call this command transcribes",
            f"give at most {MAX_CHANNELS} channels and {MAX_SECONDS // 3600} hours",
        )


def transcribe_file(
    path: Path,
    engine: Transcriber,
    rules: MaskRules | None = None,
    language: str | None = None,
) -> Transcript:
    import soundfile as sf

    from companion.app.transcripts.transcription import lines_for_side
    from companion.edges.speech.prepare import side_for_speech

    _check_header(path)
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
        heard = engine.transcribe(samples, lambda _fraction: None, language)
        lines.extend(lines_for_side(heard, speaker, spans, rate))
    info = engine.info
    engine.unload()
    said = Transcript(
        info.name, info.model, language or info.language, in_time_order(lines), 0, speakers
    )
    return redact(said, rules or MaskRules())
