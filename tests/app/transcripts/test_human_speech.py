"""The real default model on real human speech, clean and through a phone line; the
transcription process's memory, priority and the caller's memory after it; the model's
integrity check; drafts from key phrases said on calls.

Accuracy is measured on recorded people, not espeak-ng voices (far easier): JFK's
inaugural passage (from the pywhispercpp sdist), and its phone-line copy (8 kHz,
300-3400 Hz, pink noise), as the human-speech bench does for all six clips.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from peers.human_speech import normalised, phone_copy, read_16k
from peers.sounds import speech

from companion.core.transcripts.accuracy import word_error_rate
from companion.core.transcripts.key_phrases import find_key_phrases, sure_words_only
from companion.core.transcripts.model import SpokenWord, Transcript, TranscriptLine
from companion.edges.speech import bundled_model
from companion.edges.speech.isolated import EngineSpec, isolated
from companion.edges.speech.transcriber import EngineUnavailable


def heard(engine, samples, language: str | None = "en") -> str:
    return " ".join(
        w.text for u in engine.transcribe(samples, lambda _f: None, language) for w in u.words
    )


def test_a_person_speaking_comes_back_as_text_clean_and_on_a_phone_line(
    speech_engine, human_speech, tmp_path
):
    jfk = human_speech[0]
    clean = heard(speech_engine, read_16k(jfk.wav), None)  # language detected
    phone = heard(speech_engine, read_16k(phone_copy(jfk.wav, tmp_path / "phone.wav")))
    print(f"clean: {clean!r}\nphone: {phone!r}")
    assert word_error_rate(jfk.reference, clean) <= 0.05, clean
    assert word_error_rate(jfk.reference, phone) <= 0.10, phone
    assert normalised(clean).startswith("and so my fellow americans")


def test_words_carry_times_and_the_engines_confidence(speech_engine, human_speech):
    utterances = speech_engine.transcribe(read_16k(human_speech[0].wav), lambda _f: None, "en")
    words = [w for u in utterances for w in u.words]
    assert all(0 <= w.start <= w.end <= 11.5 for w in words)
    assert [w.start for w in words] == sorted(w.start for w in words)
    assert all(0.0 < w.confidence <= 1.0 for w in words)
    assert sum(w.confidence for w in words) / len(words) > 0.7


KEY_CALLS = [  # (what was said, the tag its key phrase suggests)
    ("honestly the price is too expensive for us this year", "objection"),
    ("we will need a security review before anything is signed", "objection"),
    ("we are also talking to another competitor right now", "competitor_mention"),
    ("the reporting takes too long every single morning", "pain_point"),
    ("it is really frustrating when the export fails", "pain_point"),
    ("our budget for next year is not approved yet", "decision_criteria"),
    ("the contract has to go through legal first", "decision_criteria"),
    ("we might cancel if nothing changes by spring", "renewal_risk"),
    ("i am not sure the team will use it", "objection"),
    ("we want to switch from the old tool in march", "competitor_mention"),
]


def drafted_share(engine, sounds: list[Path]) -> float:
    """The share of calls whose key phrase is drafted, as the app drafts: from the words
    above the policy's confidence threshold, with phonetic matching."""
    from companion.app.transcripts.drafts import _sounds_like
    from companion.edges.policy.files import default_policy_path, load_policy

    policy = load_policy(default_policy_path())
    phrases = {key: tag.key_phrases for key, tag in policy.tags.items() if tag.key_phrases}
    found = 0
    for sound, (_said, tag) in zip(sounds, KEY_CALLS, strict=True):
        utterances = engine.transcribe(read_16k(sound), lambda _f: None, "en")
        words = tuple(
            SpokenWord(w.text, int(w.start * 1000), int(w.end * 1000), w.confidence)
            for u in utterances
            for w in u.words
        )
        line = TranscriptLine("customer", words[0].start_ms, words[-1].end_ms, words)
        transcript = sure_words_only(
            Transcript("t", "t", "en", (line,)), policy.transcription.min_word_confidence
        )
        suggested = find_key_phrases(transcript, phrases, _sounds_like(transcript, phrases))
        found += any(s.tag == tag for s in suggested)
    return found / len(KEY_CALLS)


def test_key_phrases_said_on_calls_are_drafted(speech_engine, tmp_path):
    # As recorded (wideband); through a phone line the same set drafted 0.8 (README).
    recorded = [speech(tmp_path, said) for said, _ in KEY_CALLS]
    share = drafted_share(speech_engine, recorded)
    print(f"drafted {share:.0%}")
    assert share >= 0.8  # measured 0.9


def test_the_transcription_process_is_apart_low_and_leaves_the_caller_as_it_was(human_speech):
    def rss_mb() -> float:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise AssertionError("no VmRSS")

    import gc

    from companion.edges.memory import give_back_memory

    samples = read_16k(human_speech[0].wav)
    engine = isolated(EngineSpec("faster-whisper"))
    gc.collect()
    give_back_memory()
    before = rss_mb()
    niceness: list[int] = []

    def progress(_fraction: float) -> None:
        if engine.child_pid is not None:
            niceness.append(os.getpriority(os.PRIO_PROCESS, engine.child_pid))

    said = " ".join(w.text for u in engine.transcribe(samples, progress, "en") for w in u.words)
    engine.unload()
    gc.collect()
    give_back_memory()
    after = rss_mb()
    assert normalised(said).startswith("and so my fellow americans")
    assert niceness and set(niceness) == {19}
    assert 0 < engine.peak_rss_mb <= 600
    assert engine.child_pid is None
    assert abs(after - before) < 10, (before, after)


def test_a_model_file_that_differs_is_refused_and_a_damaged_cache_is_rebuilt(tmp_path):
    parts = bundled_model.installed_parts()
    changed = tmp_path / "parts"
    changed.mkdir()
    pieces = dict(parts.pieces)
    config = changed / "config.json"
    config.write_bytes(pieces["config.json"][0].read_bytes().replace(b"}", b" }", 1))
    pieces["config.json"] = (config,)
    with pytest.raises(EngineUnavailable, match="sha256 mismatch"):
        bundled_model.model_folder(tmp_path / "cache", bundled_model.ModelParts(pieces))
    assert not list((tmp_path / "cache").glob("whisper-base-*"))  # nothing half-made kept

    folder = bundled_model.model_folder(tmp_path / "cache", parts)
    (folder / "tokenizer.json").write_text("{}", encoding="utf-8")  # damaged on disk
    again = bundled_model.model_folder(tmp_path / "cache", parts)
    assert again == folder and bundled_model.checked(folder)
    shutil.rmtree(folder)
