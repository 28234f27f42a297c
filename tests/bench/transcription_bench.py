"""Transcription benchmark: speed (real-time factor), accuracy (WER), memory, and the
recording's CPU while a finished call waits to be transcribed.

    uv run python tests/bench/transcription_bench.py [--minutes 3] [--skip-recording]

[1] builds a stereo "call" from espeak-ng sentences with known text (the rep on the
left, the customer on the right, turns with pauses, like a call), then in a fresh child
process per engine: RSS before the engine loads, the wall time to transcribe both sides
as the app's job does (the call sealed as one Opus segment, decrypted and resampled to
16 kHz a second at a time, the engine's own VAD), the peak RSS (VmHWM), and RSS after
`unload()`, a garbage collection and `malloc_trim` (what the worker does after a pass).
RTF = transcription wall time / call length (both sides together: the target, at most
0.5 for PocketSphinx, means an hour of call in under 30 minutes on this 2-core
machine). WER is jiwer's, per side, lower-cased.
faster-whisper runs the bundled Whisper base, or the folder COMPANION_WHISPER_MODEL names.

[2] starts PulseAudio and Secret Service peers and measures the app's CPU over 20 s of
recording: two rounds with no transcription pending, then two rounds each right after a
call ended (queued, worker started: it must wait while a call records); the figures and
their ratio, in one run. Not a pytest test; exits 0 even when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
TESTS = BENCH.parent
for folder in (str(TESTS), str(BENCH)):
    if folder not in sys.path:
        sys.path.insert(0, folder)

RATE = 48_000
SENTENCES = [  # (speaker side, text): a sales call's kind of talk
    (0, "thanks for joining the call today"),
    (1, "happy to be here we have about thirty minutes"),
    (0, "i wanted to walk you through the renewal terms"),
    (1, "we need a security review before we sign anything"),
    (0, "i will send you the proposal on friday"),
    (1, "our budget for next year is not final yet"),
    (0, "what would make this an easy decision for your team"),
    (1, "the reporting is slow and the export takes too long"),
    (0, "let me set up a call with our product manager next week"),
    (1, "that sounds good please include our finance lead"),
]
GAP_SECONDS = 0.6


def espeak(folder: Path, text: str, index: int) -> Path:
    raw, out = folder / f"s{index}.raw.wav", folder / f"s{index}.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(raw), text], check=True)
    subprocess.run(["sox", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(out)], check=True)
    return out


def build_call(folder: Path, minutes: float) -> tuple[Path, dict[int, str], float]:
    """A stereo WAV of turns repeated to `minutes`; the expected words per side."""
    import numpy as np
    import soundfile as sf

    turns = [
        (side, sf.read(espeak(folder, text, i), dtype="int16")[0], text)
        for i, (side, text) in enumerate(SENTENCES)
    ]
    gap = np.zeros(int(GAP_SECONDS * RATE), dtype=np.int16)
    pieces = []
    expected: dict[int, list[str]] = {0: [], 1: []}
    total = 0
    while total < minutes * 60 * RATE:
        for side, samples, text in turns:
            block = np.zeros((len(samples) + len(gap), 2), dtype=np.int16)
            block[: len(samples), side] = samples
            pieces.append(block)
            expected[side].append(text)
            total += len(block)
    frames = np.concatenate(pieces)
    path = folder / "call.wav"
    sf.write(path, frames, RATE)
    return path, {s: " ".join(t) for s, t in expected.items()}, len(frames) / RATE


def rss_mb(field: str = "VmRSS") -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def seal_call(wav: Path, folder: Path) -> tuple[Path, bytes]:
    """The call as the recorder leaves it: one sealed Ogg Opus segment, and its key."""
    import soundfile as sf

    from companion.edges.audio.encoder import EncryptedOpusSink

    key = os.urandom(32)
    frames, _rate = sf.read(wav, dtype="int16", always_2d=True)
    sink = EncryptedOpusSink(folder / "call.rca", key)
    for start in range(0, len(frames), RATE):
        sink.write(frames[start : start + RATE])
    sink.close()
    return folder / "call.rca", key


def child(engine_name: str, sealed: str, key_hex: str, model: str | None) -> None:
    """Runs in its own process: one engine, one call, as the app's job reads it; JSON."""
    import gc

    import companion.app.compose  # noqa: F401  (the app's modules, as loaded when idle)
    from companion.app.transcripts.transcription import lines_for_side
    from companion.core.transcripts.model import Speaker
    from companion.edges.memory import give_back_memory
    from companion.edges.speech.engines import make_engine
    from companion.edges.speech.prepare import segment_for_speech

    before = rss_mb()
    started = time.perf_counter()
    engine = make_engine(engine_name, model)
    sides_16k, frames, rate = segment_for_speech(Path(sealed), bytes.fromhex(key_hex))
    heard = {}
    sides: tuple[tuple[int, Speaker], ...] = ((0, "rep"), (1, "customer"))
    for side, speaker in sides:
        utterances = engine.transcribe(sides_16k[side], lambda _f: None)
        lines = lines_for_side(utterances, speaker, [(0, frames)], rate)
        heard[side] = " ".join(line.text for line in lines)
    elapsed = time.perf_counter() - started
    peak = rss_mb("VmHWM")
    del sides_16k
    engine.unload()  # what the worker does after a pass
    del engine
    gc.collect()
    give_back_memory()
    after = rss_mb()
    print(
        json.dumps(
            {
                "elapsed": elapsed,
                "before": before,
                "peak": peak,
                "after": after,
                "heard": heard,
                "info": engine_name,
            }
        )
    )


def bench_engines(work: Path, minutes: float) -> None:
    import jiwer

    wav, expected, seconds = build_call(work, minutes)
    sealed, key = seal_call(wav, work)
    print(
        f"\n[1] a {seconds / 60:.1f} min stereo call of {len(SENTENCES)} espeak-ng sentences "
        f"repeated ({seconds:.0f} s; {sum(len(t.split()) for t in expected.values())} words)"
    )
    # faster-whisper: the bundled Whisper base, or COMPANION_WHISPER_MODEL's folder.
    model = os.environ.get("COMPANION_WHISPER_MODEL")
    engines: list[tuple[str, str | None]] = [("faster-whisper", model), ("pocketsphinx", None)]
    for name, folder in engines:
        done = subprocess.run(
            [sys.executable, __file__, "--child", name, str(sealed), key.hex(), folder or ""],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            print(f"    {name}: failed\n{done.stderr[-2000:]}")
            continue
        result = json.loads(done.stdout.strip().splitlines()[-1])
        rtf = result["elapsed"] / seconds
        wers = [jiwer.wer(expected[s], result["heard"][str(s)]) for s in (0, 1)]
        verdict = "ok" if name != "pocketsphinx" or rtf <= 0.5 else "MISS"
        print(
            f"    {name}: {result['elapsed']:.1f} s for {seconds:.0f} s of call -> "
            f"RTF {rtf:.3f} (target <= 0.5) {verdict}"
        )
        print(f"    {name}: WER rep {wers[0]:.3f}, customer {wers[1]:.3f}")
        print(
            f"    {name}: RSS before load {result['before']:.1f} MB, peak (VmHWM) "
            f"{result['peak']:.1f} MB, after unload {result['after']:.1f} MB "
            f"(+{result['after'] - result['before']:.1f} MB kept)"
        )


def bench_recording_cpu(work: Path, seconds: float) -> None:
    import contextlib
    from contextlib import ExitStack

    import keyring.core
    import recording_bench as rb  # type: ignore[import-not-found]  # a script beside this
    from peers import pulse
    from peers import secret_service as keyring_peer

    print(
        f"\n[2] the app's CPU over {seconds:g} s of recording, with and without a finished "
        "call waiting to be transcribed"
    )
    with ExitStack() as stack:
        for name in ("PULSE_SERVER", "PULSE_SINK", "PULSE_SOURCE"):
            os.environ.pop(name, None)
        home = work / "companion-home"
        home.mkdir()
        os.environ["COMPANION_HOME"] = str(home)
        peer = stack.enter_context(pulse.running_pulse(work / "pulse"))
        os.environ.update(peer.env)
        secrets = stack.enter_context(keyring_peer.running_secret_service(work / "keyring"))
        os.environ["DBUS_SESSION_BUS_ADDRESS"] = secrets.address
        os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.SecretService.Keyring"
        keyring.core.init_backend()
        time.sleep(2.0)
        procs = rb.Procs()
        stack.callback(procs.stop_all)
        from companion.app.compose import build_context

        context = build_context()
        context.audio_keys.master_key()
        sound = rb.looped(work, rb.speech_wav(work), 4 * (seconds + 5) + 40)
        players = rb.play_both(procs, sound)
        figures: dict[str, list[float]] = {"nothing pending": [], "a call pending": []}
        try:
            for pending in (False, False, True, True):
                if pending:  # a call just ended, queued; the worker starts on it at once
                    rb.start_recording(context)
                    time.sleep(8)
                    context.calls.end_call()
                    context.transcription.start_jobs()
                    context.transcription.kick()
                if not rb.start_recording(context):
                    print("    not recording: skipped")
                    return
                time.sleep(1.0)
                cpu0, wall0 = rb.cpu_seconds("self"), time.monotonic()
                while time.monotonic() < wall0 + seconds:
                    time.sleep(rb.TICK_SECONDS)
                    context.calls.tick()
                cpu1, wall1 = rb.cpu_seconds("self"), time.monotonic()
                context.calls.end_call()
                key = "a call pending" if pending else "nothing pending"
                figures[key].append((cpu1 - cpu0) / (wall1 - wall0) * 100)
            context.transcription.stop()
        finally:
            for proc in players:
                with contextlib.suppress(Exception):
                    procs.stop(proc)
        plain = sum(figures["nothing pending"]) / 2
        waiting = sum(figures["a call pending"]) / 2
        print(
            "    rounds (% of one core): "
            + ", ".join(
                f"{k}: {' / '.join(f'{v:.2f}' for v in vals)}" for k, vals in figures.items()
            )
        )
        print(
            f"    mean: {plain:.2f} % without, {waiting:.2f} % with a call waiting; "
            f"ratio {waiting / plain:.2f} (target: about 1, the worker waits)"
        )


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5] or None)
        return 0
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--skip-recording", action="store_true")
    args = parser.parse_args()
    print(
        f"transcription bench: {Path(__file__).name} --minutes {args.minutes:g}; "
        f"load {' '.join(Path('/proc/loadavg').read_text().split()[:3])}"
    )
    with tempfile.TemporaryDirectory(prefix="transcription-bench-") as folder:
        work = Path(folder)
        bench_engines(work, args.minutes)
        if not args.skip_recording:
            bench_recording_cpu(work, 20.0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
