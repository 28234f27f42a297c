"""Accuracy and speed on recorded human speech, clean and through a phone line.

    uv run python tests/bench/human_speech_bench.py [--engines faster-whisper,pocketsphinx]

The recordings (LibriVox "Sense and Sensibility" from the pocketsphinx sdist, JFK's
inaugural from the pywhispercpp sdist: 35.7 s of real voices with reference texts) and
their phone copies (8 kHz, 300-3400 Hz, pink noise 0.02) come from
`tests/peers/human_speech.py`. Each engine runs as the app runs it: in its own process
(`IsolatedEngine`, nice 19), started once for the whole set. For each engine and
condition: WER (jiwer, over all clips together, lower case, no punctuation), RTF
(transcription wall time / audio length, the model's load not included; the load is
shown on its own; the child's CPU seconds per audio second beside it, which the load of a
shared machine does not change), and the transcription process's peak RSS (VmHWM). Then this
process's RSS (it has the app's modules loaded, as the tray has) before the first
transcription and after the child ended: the tray's idle memory, unchanged.
Not a pytest test; exits 0 even when a target is missed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
TESTS = BENCH.parent
for folder in (str(TESTS), str(BENCH)):
    if folder not in sys.path:
        sys.path.insert(0, folder)

TARGETS = {"faster-whisper": {"clean": 0.05, "phone": 0.10}}


def rss_mb(field: str = "VmRSS") -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    import gc

    import jiwer
    from peers.human_speech import clips, normalised, phone_copy, read_16k

    import companion.app.compose  # noqa: F401  (the app's modules, as the idle tray has them)
    from companion.edges.memory import give_back_memory
    from companion.edges.speech.isolated import EngineSpec, isolated

    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--engines", default="faster-whisper,pocketsphinx")
    args = parser.parse_args()
    print(f"human speech bench; load {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    found = clips()
    with tempfile.TemporaryDirectory(prefix="human-speech-") as folder:
        work = Path(folder)
        sets = {
            "clean": [(c, read_16k(c.wav)) for c in found],
            "phone": [
                (c, read_16k(phone_copy(c.wav, work / f"{c.name}.phone.wav"))) for c in found
            ],
        }
        seconds = sum(len(s) for _, s in sets["clean"]) / 16_000
        print(
            f"{len(found)} clips, {seconds:.1f} s of human speech, "
            f"{sum(len(c.reference.split()) for c in found)} words"
        )
        gc.collect()
        give_back_memory()
        idle_before = rss_mb()
        for name in args.engines.split(","):
            engine = isolated(EngineSpec(name))
            started = time.perf_counter()
            engine.transcribe(sets["clean"][0][1][:16_000], lambda _f: None, "en")  # load
            load = time.perf_counter() - started
            print(f"\n{name} ({engine.info.model}): model load {load:.1f} s")
            for condition, audio in sets.items():
                heard, elapsed = [], 0.0
                cpu_before = engine.cpu_seconds  # type: ignore[attr-defined]
                for _clip, samples in audio:
                    started = time.perf_counter()
                    utterances = engine.transcribe(samples, lambda _f: None, "en")
                    elapsed += time.perf_counter() - started
                    heard.append(" ".join(w.text for u in utterances for w in u.words))
                cpu = engine.cpu_seconds - cpu_before  # type: ignore[attr-defined]
                refs = " ".join(normalised(c.reference) for c, _ in audio)
                hyps = " ".join(normalised(h) for h in heard)
                wer = jiwer.wer(refs, hyps)
                target = TARGETS.get(name, {}).get(condition)
                verdict = "" if target is None else (" ok" if wer <= target else " MISS")
                limit = f" (target <= {target})" if target is not None else ""
                print(
                    f"  {condition:5}: WER {wer:.3f}{limit}{verdict}; RTF {elapsed / seconds:.3f} "
                    f"({elapsed:.1f} s for {seconds:.1f} s; CPU {cpu:.1f} s, "
                    f"{cpu / seconds:.3f} CPU-s per s); peak RSS of the transcription "
                    f"process {engine.peak_rss_mb:.0f} MB"  # type: ignore[attr-defined]
                )
                for clip, text in zip(audio, heard, strict=True):
                    if normalised(text) != normalised(clip[0].reference):
                        print(f"      {clip[0].name}: {normalised(text)!r}")
            engine.unload()
        gc.collect()
        give_back_memory()
        idle_after = rss_mb()
        print(
            f"\nthis process (the app's modules loaded): RSS {idle_before:.1f} MB before, "
            f"{idle_after:.1f} MB after the transcriptions ({idle_after - idle_before:+.1f} MB)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
