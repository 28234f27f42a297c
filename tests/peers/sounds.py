"""Sounds played into the testbed's sinks, and what a decoded recording contains."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import numpy as np

MIC = "micsink"  # what the rep's microphone hears (the virtmic source)
FAR_END = "spk"  # what the speakers play (its monitor is the customer's side)


def tone(folder: Path, hertz: int, seconds: float) -> Path:
    path = folder / f"tone-{hertz}-{seconds}.wav"
    if not path.exists():
        subprocess.run(
            [
                "sox",
                "-n",
                "-r",
                "48000",
                "-c",
                "1",
                "-b",
                "16",
                str(path),
                "synth",
                str(seconds),
                "sine",
                str(hertz),
                "vol",
                "0.5",
            ],
            check=True,
            capture_output=True,
        )
    return path


def play(sink: str, sound: Path) -> None:
    """Play to the end (paplay returns when the server has played it)."""
    subprocess.run(["paplay", f"--device={sink}", str(sound)], check=True, env=os.environ.copy())


def band_energy(samples: np.ndarray, rate: int, hertz: float, width: float = 15.0) -> float:
    """Share of the signal's energy within `width` Hz of `hertz` (0..1)."""
    x = samples.astype(np.float64)
    if len(x) == 0:
        return 0.0
    spectrum = np.abs(np.fft.rfft(x)) ** 2
    freqs = np.fft.rfftfreq(len(x), 1 / rate)
    total = spectrum[freqs > 50].sum()
    near = spectrum[(freqs > hertz - width) & (freqs < hertz + width)].sum()
    return float(near / total) if total > 0 else 0.0


def dominant(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples.astype(np.float64)))
    freqs = np.fft.rfftfreq(len(samples), 1 / rate)
    spectrum[freqs < 50] = 0
    return float(freqs[int(np.argmax(spectrum))])


def speech(folder: Path, text: str, voice: str = "en-us") -> Path:
    """`text` spoken by espeak-ng, as 48 kHz mono (what the testbed's sinks take)."""
    name = "speech-" + "".join(ch if ch.isalnum() else "-" for ch in text)[:60]
    path = folder / f"{name}-{voice}.wav"
    if not path.exists():
        raw = folder / f"{name}-{voice}.raw.wav"
        subprocess.run(
            ["espeak-ng", "-v", voice, "-s", "150", "-w", str(raw), text],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            ["sox", str(raw), "-r", "48000", "-c", "1", "-b", "16", str(path)],
            check=True,
            capture_output=True,
        )
    return path


def start_playing(sink: str, sound: Path) -> subprocess.Popen[bytes]:
    """Play in the background (to mark a moment while the sound is heard); wait() on it."""
    return subprocess.Popen(["paplay", f"--device={sink}", str(sound)], env=os.environ.copy())


def hear(seconds: float, monitor: str = "spk.monitor", rate: int = 48_000) -> np.ndarray:
    """What the speakers (the default sink, spk) play, read from their monitor by parec."""
    process = subprocess.Popen(
        ["parec", f"--device={monitor}", f"--rate={rate}", "--channels=1", "--format=s16le"],
        stdout=subprocess.PIPE,
    )
    assert process.stdout is not None
    data = process.stdout.read(int(seconds * rate) * 2)
    process.terminate()
    process.wait(timeout=10)
    return np.frombuffer(data, dtype=np.int16)


def tones(folder: Path, *parts: tuple[int, float]) -> Path:
    """Tones back to back in one file: one paplay stream, so no gap between them."""
    path = folder / ("tones-" + "-".join(f"{hz}x{s}" for hz, s in parts) + ".wav")
    if not path.exists():
        pieces = [str(tone(folder, hertz, seconds)) for hertz, seconds in parts]
        subprocess.run(["sox", *pieces, str(path)], check=True, capture_output=True)
    return path
