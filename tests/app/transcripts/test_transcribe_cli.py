"""`companion transcribe FILE`: an admin checks an engine on a file of their own."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import webvtt
from peers.sounds import speech

from companion.core.transcripts.accuracy import word_error_rate
from companion.core.transcripts.redaction import is_number_word

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
    assert word_error_rate(SAID, text) < 0.4, text


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


def test_a_folder_that_is_no_model_says_what_to_set(tmp_path):
    done = transcribe(str(speech(tmp_path, SAID)), "--model", str(tmp_path))
    assert done.returncode == 2 and "not a faster-whisper model folder" in done.stderr


def test_the_default_engine_masks_as_the_policy_says_and_prints_the_wer(tmp_path):
    said = "thanks my card is four thousand one hundred eleven double one double one"
    done = transcribe(str(speech(tmp_path, said)), "--reference", said, "--format", "json")
    assert done.returncode == 0, done.stderr
    transcript = json.loads(done.stdout)
    assert transcript["engine"] == "faster-whisper" and transcript["redactions"] == 1
    words = [w[0] for line in transcript["lines"] for w in line["words"]]
    assert "[number]" in words and not any(is_number_word(w) for w in words), words
    assert done.stderr.startswith("WER ")  # against the unmasked reference: the mask counts


def test_a_wav_declaring_an_absurd_sample_rate_is_refused_at_once(tmp_path):
    import numpy as np
    import soundfile as sf

    hostile = tmp_path / "one-hertz.wav"  # 160 KB of samples said to last 22 hours
    sf.write(str(hostile), np.zeros((80_000, 1), dtype="int16"), 1, subtype="PCM_16")
    done = transcribe(str(hostile))
    assert done.returncode == 2 and "declares 1 Hz" in done.stderr
    assert "Traceback" not in done.stderr
