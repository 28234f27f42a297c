"""`companion transcribe FILE`: an admin checks an engine on a file of their own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import jiwer
import pytest
import webvtt
from peers.sounds import speech

SAID = "thanks for joining the call today"


def transcribe(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "companion", "transcribe", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ.copy(),
    )


@pytest.mark.parametrize("suffix", ["wav", "flac", "ogg"])
def test_a_file_is_transcribed_with_timestamps(tmp_path, suffix):
    wav = speech(tmp_path, SAID)
    audio = wav if suffix == "wav" else tmp_path / f"said.{suffix}"
    if suffix != "wav":
        subprocess.run(["sox", str(wav), str(audio)], check=True)
    done = transcribe(str(audio))
    assert done.returncode == 0, done.stderr
    stamp, _, text = done.stdout.strip().partition("] ")
    assert stamp.startswith("[00:00:0")
    assert jiwer.wer(SAID, text) < 0.4, text


def test_webvtt_output_parses(tmp_path):
    done = transcribe(str(speech(tmp_path, SAID)), "--format", "vtt")
    assert done.returncode == 0, done.stderr
    (tmp_path / "out.vtt").write_text(done.stdout, encoding="utf-8")
    captions = webvtt.read(str(tmp_path / "out.vtt"))
    assert captions and captions[0].start.startswith("00:00:0")


def test_a_file_that_is_not_audio_is_a_one_line_error(tmp_path):
    bad = tmp_path / "notes.wav"
    bad.write_text("not audio", encoding="utf-8")
    done = transcribe(str(bad))
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: {bad}: not an audio file") and "WAV, FLAC" in done.stderr
    assert "Traceback" not in done.stderr


def test_faster_whisper_without_a_model_folder_says_what_to_set(tmp_path):
    done = transcribe(str(speech(tmp_path, SAID)), "--engine", "faster-whisper")
    assert done.returncode == 2 and "needs a model folder" in done.stderr


MODEL = os.environ.get("COMPANION_WHISPER_MODEL")


@pytest.mark.skipif(
    not MODEL,
    reason="faster-whisper: no model folder given (set COMPANION_WHISPER_MODEL to a "
    "CTranslate2 Whisper model folder; nothing is downloaded)",
)
def test_faster_whisper_transcribes_with_a_model_folder(tmp_path):
    pytest.importorskip("faster_whisper", reason="install with `uv sync --extra whisper`")
    done = transcribe(str(speech(tmp_path, SAID)), "--engine", "faster-whisper", "--model", MODEL)
    assert done.returncode == 0, done.stderr
    assert jiwer.wer(SAID, done.stdout.partition("] ")[2].strip().lower()) < 0.2
    assert Path(MODEL).is_dir()
