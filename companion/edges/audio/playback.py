"""Playing a call back for review: decrypted in memory, played through sounddevice.

The whole call is decoded once (about 23 MB per hour of stereo int16) so seeking
is instant; the PortAudio callback only copies the next slice. Pausing and stopping
close the stream (nothing in the callback checks a flag); the position stays where
the last slice ended, so playing again resumes there.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from companion.edges.audio.devices import AudioUnavailable


class CallPlayback:
    def __init__(self, frames: np.ndarray, rate: int, spans: list[tuple[int, int]]) -> None:
        """`frames` is the kept audio; `spans` each segment's (call offset ms, frames)."""
        self.frames, self.rate = frames, rate
        self._segments = spans
        self._position = 0
        self._lock = threading.Lock()
        self._stream: Any = None  # sounddevice.OutputStream (untyped)
        self.finished = threading.Event()

    @property
    def spans(self) -> list[tuple[int, int]]:
        return list(self._segments)

    @property
    def seconds(self) -> float:
        return len(self.frames) / self.rate

    @property
    def position(self) -> float:
        """Where playback is in the audio (seconds of kept audio, gaps left out)."""
        return self._position / self.rate

    @property
    def call_position(self) -> float:
        """Where playback is in the call (seconds since the call started)."""
        return self.call_seconds(self.position)

    @property
    def playing(self) -> bool:
        """True while a stream runs; False after pause, stop, or the end of the audio."""
        stream = self._stream
        return stream is not None and bool(stream.active)

    def audio_seconds(self, call_seconds: float) -> float:
        """Where a moment in the call (paused stretches included) is in the audio."""
        before = 0.0
        for offset_ms, frames in self._segments:
            start, length = offset_ms / 1000, frames / self.rate
            if call_seconds < start:
                return before  # in a gap (paused, or before consent): the next audio
            if call_seconds < start + length:
                return before + call_seconds - start
            before += length
        return before

    def call_seconds(self, audio_seconds: float) -> float:
        """The inverse of `audio_seconds`: where a second of the audio was in the call."""
        before, end = 0.0, 0.0
        for offset_ms, frames in self._segments:
            start, length = offset_ms / 1000, frames / self.rate
            if audio_seconds < before + length:
                return start + max(0.0, audio_seconds - before)
            before, end = before + length, start + length
        return end  # at (or past) the end of the last segment

    def play_call_time(self, call_seconds: float) -> None:
        self.play(self.audio_seconds(call_seconds))

    def seek(self, seconds: float) -> None:
        with self._lock:
            self._position = int(max(0.0, min(seconds, self.seconds)) * self.rate)

    def play(self, from_seconds: float | None = None) -> None:
        """Play from `from_seconds`, else from where it stopped (the start, once at the end)."""
        import sounddevice as sd

        if from_seconds is not None:
            self.seek(from_seconds)
        elif self._position >= len(self.frames):
            self.seek(0.0)
        self._close()
        self.finished.clear()
        try:
            stream = sd.OutputStream(
                samplerate=self.rate,
                channels=2,
                dtype="int16",
                callback=self._callback,
                finished_callback=self.finished.set,
            )
            stream.start()
        except sd.PortAudioError as error:
            raise AudioUnavailable(f"cannot play audio: {error}") from error
        self._stream = stream

    def _callback(self, outdata: np.ndarray, frames: int, _time: object, _status: object) -> None:
        import sounddevice as sd

        with self._lock:
            chunk = self.frames[self._position : self._position + frames]
            self._position += len(chunk)
        outdata[: len(chunk)] = chunk
        outdata[len(chunk) :] = 0
        if len(chunk) < frames:
            raise sd.CallbackStop

    def pause(self) -> None:
        """Stop the sound at once; playing again resumes from here."""
        self._close()

    def stop(self) -> None:
        """Stop the sound and go back to the start of the call."""
        self._close()
        self.seek(0.0)

    def _close(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.abort()  # drop what is queued: a pause is heard at once
            stream.close()
