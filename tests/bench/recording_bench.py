"""Recording benchmark: latency, CPU, storage, overflows and crash loss of the recorder.

    uv run python tests/bench/recording_bench.py [--quick] [--skip 1,2,3,4]

Starts its own PulseAudio (null sinks, tests/peers/pulse.py) and Secret Service
(tests/peers/secret_service.py), uses a temporary COMPANION_HOME, and prints every
number with its target, then a summary table. Not a pytest test (no test_ prefix):
it exits 0 even when a target is missed, 1 only when the bench itself cannot start.
About 13 minutes in full, 4 with --quick. See tests/bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

import keyring.core  # noqa: E402
from peers import pulse  # noqa: E402
from peers import secret_service as keyring_peer  # noqa: E402
from peers.sounds import FAR_END, MIC, play, tone  # noqa: E402

RATE = 48_000
CLK_TCK = os.sysconf("SC_CLK_TCK")
COMMAND = "uv run python tests/bench/recording_bench.py"
OPUSENC = ["opusenc", "--raw", "--raw-rate", "48000", "--raw-chan", "2"]
OPUSENC += ["--bitrate", "30", "-"]  # the baseline's encoder, writing to the path after this
FLOOR_SECONDS = 20.0  # the two-parec capture-only measurement after the CPU window
TICK_SECONDS = 0.25  # the call window's QTimer polls CallService.tick() this often
LATENCY_TRIALS = 30
KILL_TRIALS = 5
KILL_TONE_SECONDS = 10.0
SPEECH = (
    "Hello, thanks for taking the call today. I wanted to walk you through the renewal "
    "terms, the pricing for the second year, and the support options we discussed last week. "
    "Please stop me at any point if you have questions."
)

# The crash trial's recorder: the same code path as the app, in a process we can SIGKILL.
CHILD = """
import sys
from companion.app.calls.service import CallRequest
from companion.app.compose import build_context
context = build_context()
context.calls.start_call(CallRequest("Acme", "demo", "DE"))
context.calls.mark_consent()
print(context.calls.current.state.value, flush=True)
sys.stdin.read()
"""

Row = tuple[str, str, str, str]  # (measure, value, target, verdict)


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("PASS" if ok else "MISS")


class Procs:
    """Every process the bench starts; each in its own session, stopped by its own id."""

    def __init__(self) -> None:
        self.started: list[subprocess.Popen] = []

    def start(self, args: list[str], **options: object) -> subprocess.Popen:
        options.setdefault("stdin", subprocess.DEVNULL)
        options.setdefault("stdout", subprocess.DEVNULL)
        options.setdefault("stderr", subprocess.DEVNULL)
        proc = subprocess.Popen(args, start_new_session=True, **options)  # type: ignore[call-overload]  # kwargs
        self.started.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen) -> None:
        """SIGTERM the process group it leads (a bash loop and its paplay), then SIGKILL."""
        if proc.poll() is None:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                try:
                    os.killpg(proc.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    proc.wait(5)
                    break
                except subprocess.TimeoutExpired:
                    continue
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
        if proc in self.started:
            self.started.remove(proc)

    def stop_all(self) -> None:
        for proc in reversed(list(self.started)):
            self.stop(proc)


def cpu_seconds(pid: int | str, task: int | None = None) -> float:
    """utime + stime from /proc/<pid>/stat (all threads) or /proc/<pid>/task/<tid>/stat."""
    path = f"/proc/{pid}/stat" if task is None else f"/proc/{pid}/task/{task}/stat"
    text = Path(path).read_text()
    fields = text[text.rindex(")") + 2 :].split()  # after "(comm) "; fields[0] is the state
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def thread_cpu() -> dict[int, float]:
    """CPU seconds of each thread of this process, by native thread id."""
    result = {}
    for task in Path("/proc/self/task").iterdir():
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):  # a thread just ended
            result[int(task.name)] = cpu_seconds("self", int(task.name))
    return result


def pulse_pid(peer: pulse.PulsePeer) -> int | None:
    try:
        return int((Path(peer.env["PULSE_RUNTIME_PATH"]) / "pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def speech_wav(folder: Path) -> Path:
    """About 12 s of espeak-ng speech at 48 kHz (resampled with sox), made once."""
    path = folder / "speech.wav"
    if not path.exists():
        raw = folder / "speech-raw.wav"
        subprocess.run(["espeak-ng", "-w", str(raw), SPEECH], check=True, capture_output=True)
        subprocess.run(
            ["sox", str(raw), "-r", "48000", "-c", "1", "-b", "16", str(path)],
            check=True,
            capture_output=True,
        )
    return path


def looped(folder: Path, sound: Path, seconds: float) -> Path:
    """`sound` repeated (sox `repeat`) until it lasts at least `seconds`."""
    length = float(
        subprocess.run(
            ["soxi", "-D", str(sound)], check=True, capture_output=True, text=True
        ).stdout
    )
    repeats = max(0, int(seconds / length))  # `repeat N` plays N + 1 times
    path = folder / f"{sound.stem}-{int(seconds)}s.wav"
    if not path.exists():
        subprocess.run(
            ["sox", str(sound), str(path), "repeat", str(repeats)], check=True, capture_output=True
        )
    return path


def play_both(procs: Procs, sound: Path) -> list[subprocess.Popen]:
    """paplay `sound` into the far end and the mic, in the background."""
    return [
        procs.start(["paplay", f"--device={sink}", str(sound)], env=os.environ.copy())
        for sink in (FAR_END, MIC)
    ]


def latest_segment(context):  # -> RecordingSegmentRecord | None
    from sqlalchemy import select

    from companion.edges.store.models import RecordingSegmentRecord

    with context.store() as db:
        return db.scalars(
            select(RecordingSegmentRecord).order_by(RecordingSegmentRecord.id.desc()).limit(1)
        ).first()


def request():
    from companion.app.calls.service import CallRequest

    return CallRequest("Acme", "demo", "DE")


def start_recording(context) -> bool:
    calls = context.calls
    calls.start_call(request())
    calls.mark_consent()
    if calls.current.state.value == "recording":
        return True
    print(f"    not recording: state {calls.current.state.value}")
    for message in context.messages.history[-3:]:
        print(f"    message: {message.title}: {message.text}")
    calls.end_call()
    return False


# -- 1. consent click -> first captured frame -------------------------------------------
def bench_latency(context, trials: int) -> list[Row]:
    print(f"\n[1] consent click -> first captured frame ({trials} trials)")
    calls = context.calls
    recorder = context.recorder  # the AudioRecorder build_context() wired in
    latencies: list[float] = []
    opened: list[float] = []
    failures = 0
    for _ in range(trials):
        calls.start_call(request())
        t0 = time.monotonic()
        calls.mark_consent()  # returns once both streams are open and started
        t_open = time.monotonic()
        first = None
        deadline = t0 + 5.0
        while time.monotonic() < deadline:
            first = recorder.first_frame_at()
            if first is not None:
                break
            time.sleep(0.0005)
        if first is None:
            failures += 1
            print(f"    no frame within 5 s (state {calls.current.state.value})")
        else:
            latencies.append((first - t0) * 1000)
            opened.append((t_open - t0) * 1000)
        calls.end_call()
        time.sleep(0.1)
    if not latencies:
        print("    no trial captured a frame")
        return [("consent -> first frame", "no frames", "p95 < 100 ms", "MISS")]
    ordered = sorted(latencies)
    p50 = statistics.median(ordered)
    p95 = ordered[max(0, -(-95 * len(ordered) // 100) - 1)]  # nearest rank
    top = ordered[-1]
    print(
        f"    p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {top:.1f} ms "
        f"(n={len(latencies)}, no frame: {failures}); target p95 < 100 ms"
    )
    print(
        f"    of which mark_consent() itself (DB + opening both streams): "
        f"p50 {statistics.median(opened):.1f} ms, max {max(opened):.1f} ms"
    )
    print("    all (ms, in trial order): " + " ".join(f"{x:.1f}" for x in latencies))
    return [
        (
            "consent -> first frame",
            f"p50 {p50:.1f} / p95 {p95:.1f} / max {top:.1f} ms",
            "p95 < 100 ms",
            verdict(p95 < 100 and failures == 0),
        )
    ]


# -- 2 + 3. CPU of capture+encode+encrypt, baseline parec|opusenc, storage --------------
def bench_cpu_and_storage(
    context, procs: Procs, peer: pulse.PulsePeer, work: Path, seconds: float
) -> list[Row]:
    print(f"\n[2] CPU while recording two 48 kHz sources for {seconds:g} s (speech in both)")
    calls = context.calls
    recorder = context.recorder
    sound = looped(work, speech_wav(work), seconds + FLOOR_SECONDS + 15)
    players = play_both(procs, sound)
    out = work / "baseline.opus"
    baseline: list[subprocess.Popen] = []
    try:
        time.sleep(0.5)  # speech is playing before the call starts
        if not start_recording(context):
            return [("CPU (ours)", "not recording", "< 5 %", "MISS")]
        parec = procs.start(
            ["parec", "--device=spk.monitor", "--rate=48000", "--channels=2", "--format=s16le"],
            stdout=subprocess.PIPE,
            env=os.environ.copy(),
        )
        opusenc = procs.start(
            [*OPUSENC, str(out)],
            stdin=parec.stdout,
            env=os.environ.copy(),
        )
        baseline = [parec, opusenc]
        time.sleep(1.0)  # both pipelines are past their start-up
        server = pulse_pid(peer)
        writer_tid = recorder._writer.native_id if recorder._writer else None
        main_tid = threading.main_thread().native_id
        threads0 = thread_cpu()
        self0 = cpu_seconds("self")
        server0 = cpu_seconds(server) if server else 0.0
        base0 = [cpu_seconds(p.pid) for p in baseline]
        cpu0, wall0 = time.process_time(), time.monotonic()
        end = wall0 + seconds
        while time.monotonic() < end:
            time.sleep(TICK_SECONDS)
            calls.tick()
        cpu1, wall1 = time.process_time(), time.monotonic()
        base1 = [cpu_seconds(p.pid) for p in baseline]
        self1 = cpu_seconds("self")
        server1 = cpu_seconds(server) if server else 0.0
        threads1 = thread_cpu()
        load = Path("/proc/loadavg").read_text().split()[:3]
        status = calls.recorder_status()
        calls.end_call()
        procs.stop(parec)
        procs.stop(opusenc)
        floor = capture_floor(procs, FLOOR_SECONDS)
    finally:
        for proc in (*baseline, *players):
            procs.stop(proc)
    wall = wall1 - wall0
    ours = (cpu1 - cpu0) / wall * 100
    ours_proc = (self1 - self0) / wall * 100
    parec_pct, opusenc_pct = ((b - a) / wall * 100 for a, b in zip(base0, base1, strict=True))
    base = parec_pct + opusenc_pct
    ratio = ours / base if base > 0 else float("inf")
    print(
        f"    ours: {cpu1 - cpu0:.2f} s CPU (time.process_time, all threads) over {wall:.1f} s "
        f"wall = {ours:.2f} % of one core; target < 5 %"
    )
    print(f"    (cross-check /proc/self/stat utime+stime: {ours_proc:.2f} %)")
    spent = {tid: threads1.get(tid, 0.0) - threads0.get(tid, 0.0) for tid in threads1}
    writer = spent.pop(writer_tid, 0.0) if writer_tid else 0.0
    main = spent.pop(main_tid, 0.0) if main_tid else 0.0
    rest = sum(spent.values())
    print(
        f"    by thread: segment writer (mix+encode+encrypt+fsync) {writer / wall * 100:.2f} %, "
        f"main (tick() every {TICK_SECONDS:g} s) {main / wall * 100:.2f} %, "
        f"other threads (PortAudio/ALSA-pulse capture, {len(spent)}) {rest / wall * 100:.2f} %"
    )
    print(
        f"    baseline parec|opusenc (spk.monitor stereo, 30 kbit/s): {base:.2f} % of one core "
        f"(parec {parec_pct:.2f} % + opusenc {opusenc_pct:.2f} %, same {wall:.1f} s window)"
    )
    print(f"    ratio ours/baseline: {ratio:.2f}x; target <= 1.5x")
    if server:
        print(
            f"    (PulseAudio server, serving both clients and the playback: "
            f"{(server1 - server0) / wall * 100:.2f} %; load average {' '.join(load)})"
        )
    print(f"    recorder at end: {status.seconds:.1f} s recorded, overflows {status.overflows}")
    print(
        f"    capture alone with the standard tool, after the call: two parec (one per source, "
        f"mono, to /dev/null) {sum(floor):.2f} % ({' + '.join(f'{x:.2f}' for x in floor)}) "
        f"over {FLOOR_SECONDS:g} s: what receiving both sides costs on this machine, "
        f"before any encoding"
    )
    rows: list[Row] = [
        ("CPU, two sources (ours)", f"{ours:.2f} % of a core", "< 5 %", verdict(ours < 5)),
        (
            "CPU vs parec|opusenc",
            f"{ratio:.2f}x ({ours:.2f} % / {base:.2f} %)",
            "<= 1.5x",
            verdict(ratio <= 1.5),
        ),
    ]

    print("\n[3] storage of that recording")
    segment = latest_segment(context)
    if segment is None or not Path(segment.path).exists():
        print("    no segment found")
        rows.append(("storage per hour of call", "no segment", "< 16 MB/h", "MISS"))
        return rows
    size = Path(segment.path).stat().st_size
    recorded = segment.frames / RATE
    per_hour = size / recorded * 3600 / 1e6 if recorded else float("inf")
    kbps = size * 8 / recorded / 1000 if recorded else float("inf")
    print(
        f"    .rca {size} bytes for {recorded:.1f} s ({segment.frames} frames) = "
        f"{per_hour:.2f} MB/h ({kbps:.1f} kbit/s, MB = 10^6 bytes); target < 16 MB/h"
    )
    if out.exists() and out.stat().st_size:
        base_size = out.stat().st_size
        print(
            f"    (baseline .opus, one stereo source at 30 kbit/s: {base_size} bytes, "
            f"about {base_size / (wall + 1) * 3600 / 1e6:.2f} MB/h)"
        )
    rows.append(
        ("storage per hour of call", f"{per_hour:.2f} MB/h", "< 16 MB/h", verdict(per_hour < 16))
    )
    return rows


def capture_floor(procs: Procs, seconds: float) -> list[float]:
    """% of one core that `parec` takes to receive each source, writing to /dev/null."""
    readers = [
        procs.start(
            ["parec", f"--device={source}", "--rate=48000", "--channels=1", "--format=s16le"],
            stdout=subprocess.DEVNULL,
            env=os.environ.copy(),
        )
        for source in pulse.SOURCES
    ]
    try:
        time.sleep(1.0)  # past their start-up
        start = [cpu_seconds(p.pid) for p in readers]
        wall0 = time.monotonic()
        time.sleep(seconds)
        end = [cpu_seconds(p.pid) for p in readers]
        wall = time.monotonic() - wall0
    finally:
        for proc in readers:
            procs.stop(proc)
    return [(b - a) / wall * 100 for a, b in zip(start, end, strict=True)]


# -- 4. overflows with the other core busy ----------------------------------------------
def bench_overflows(context, procs: Procs, work: Path, seconds: float) -> list[Row]:
    print(f"\n[4] dropped blocks over {seconds:g} s of recording with the other core busy")
    calls = context.calls
    sound = looped(work, speech_wav(work), seconds + 10)
    burner = procs.start([sys.executable, "-c", "while True: pass"])
    players = play_both(procs, sound)
    try:
        time.sleep(0.5)
        if not start_recording(context):
            return [("overflows", "not recording", "0", "MISS")]
        wall0 = time.monotonic()
        end = wall0 + seconds
        seen = 0
        while time.monotonic() < end:
            time.sleep(TICK_SECONDS)
            status = calls.tick()
            if status.overflows > seen:
                print(
                    f"    +{status.overflows - seen} overflow(s) at "
                    f"{time.monotonic() - wall0:.1f} s"
                )
                seen = status.overflows
            if status.lost_sides:
                print(f"    lost sides at {time.monotonic() - wall0:.1f} s: {status.lost_sides}")
        status = calls.recorder_status()  # just before end_call
        wall = time.monotonic() - wall0
        calls.end_call()
    finally:
        for proc in (*players, burner):
            procs.stop(proc)
    segment = latest_segment(context)
    frames = segment.frames if segment is not None else int(status.seconds * RATE)
    overflows = max(status.overflows, segment.overflows if segment is not None else 0)
    expected = wall * RATE
    short = (expected - frames) / RATE
    print(f"    overflows: {overflows} (status just before end_call: {status.overflows}); target 0")
    print(
        f"    frames recorded {frames} vs wall {wall:.2f} s x 48000 = {expected:.0f}: "
        f"{frames / expected * 100:.3f} %, "
        + (f"short by {short:.3f} s" if short > 0 else f"{-short:.3f} s more than the wall")
    )
    return [
        ("dropped blocks (overflows)", str(overflows), "0", verdict(overflows == 0)),
        (
            "frames vs wall x 48000",
            f"{frames / expected * 100:.3f} % ({-short:+.3f} s over {wall:.0f} s)",
            "~100 %",
            "info",
        ),
    ]


# -- 5. SIGKILL loss ---------------------------------------------------------------------
def bench_sigkill(context, procs: Procs, work: Path, trials: int) -> list[Row]:
    from companion.edges.audio.decode import decode_segment

    print(f"\n[5] audio lost to SIGKILL ({trials} trials, {KILL_TONE_SECONDS:g} s tone, mic)")
    sound = tone(work, 1000, KILL_TONE_SECONDS)
    key = context.audio_keys.master_key()
    losses: list[float] = []
    for trial in range(1, trials + 1):
        child = procs.start(
            [sys.executable, "-c", CHILD],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=None,
            text=True,
            env=os.environ.copy(),
        )
        try:
            assert child.stdout is not None
            line = child.stdout.readline().strip()
            t_line = time.monotonic()
            if line != "recording":
                print(f"    trial {trial}: the child said {line!r}, not 'recording'")
                continue
            play(MIC, sound)
            os.kill(child.pid, signal.SIGKILL)
            t_kill = time.monotonic()
            child.wait(30)
        finally:
            procs.stop(child)
        done = subprocess.run(
            [sys.executable, "-m", "companion", "recover"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        segment = latest_segment(context)
        if done.returncode != 0 or segment is None:
            print(f"    trial {trial}: recover failed ({done.returncode}): {done.stderr.strip()}")
            continue
        decoded = decode_segment(Path(segment.path), key)
        wall = t_kill - t_line
        loss = wall - decoded.seconds
        losses.append(loss)
        print(
            f"    trial {trial}: 'recording' line -> kill {wall:.2f} s, decoded "
            f"{decoded.seconds:.2f} s (state {segment.state}) -> lost {loss:.2f} s; "
            f"recover said: {done.stdout.strip()}"
        )
    if not losses:
        return [("audio lost to SIGKILL (max)", "no trial", "< 2 s", "MISS")]
    worst = max(losses)
    print(f"    max loss {worst:.2f} s over {len(losses)} trials; target < 2 s")
    return [
        (
            "audio lost to SIGKILL (max)",
            f"{worst:.2f} s (each: {', '.join(f'{x:.2f}' for x in losses)})",
            "< 2 s",
            verdict(worst < 2 and len(losses) == trials),
        )
    ]


def run_section(name: str, rows: list[Row], section: Callable[[], list[Row]]) -> None:
    try:
        rows.extend(section())
    except Exception:  # one broken section must not hide the others' numbers
        traceback.print_exc()
        rows.append((name, "error (see traceback above)", "", "ERROR"))


def print_summary(rows: list[Row], command: str, took: float) -> None:
    header: Row = ("measure", "value", "target", "")
    table = [header, *rows]
    widths = [max(len(row[i]) for row in table) for i in range(4)]
    print("\nsummary")
    for row in table:
        print("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    print(f"\ncommand: {command}  ({took / 60:.1f} min)")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="30 s CPU run and a 2 min overflow run"
    )
    parser.add_argument(
        "--skip",
        default="",
        help="comma list of parts to skip: 1 latency, 2 CPU, 3 overflows, 4 kill",
    )
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    cpu_run = 30.0 if args.quick else 60.0
    overflow_run = 120.0 if args.quick else 600.0
    command = (
        COMMAND + (" --quick" if args.quick else "") + (f" --skip {args.skip}" if skip else "")
    )
    started = time.monotonic()
    print(f"recording bench: {command}")

    procs = Procs()
    rows: list[Row] = []
    saved = dict(os.environ)
    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="recording-bench-")))

        def restore_env() -> None:
            os.environ.clear()
            os.environ.update(saved)
            keyring.core.init_backend()

        stack.callback(restore_env)
        for name in ("PULSE_SERVER", "PULSE_SINK", "PULSE_SOURCE"):
            os.environ.pop(name, None)
        home = work / "companion-home"
        home.mkdir()
        os.environ["COMPANION_HOME"] = str(home)
        try:
            peer = stack.enter_context(pulse.running_pulse(work / "pulse"))
            os.environ.update(peer.env)
            secrets = stack.enter_context(keyring_peer.running_secret_service(work / "keyring"))
        except (OSError, RuntimeError, TimeoutError) as error:
            print(f"cannot start the testbed: {error}")
            return 1
        stack.callback(procs.stop_all)  # runs before the peers stop
        os.environ["DBUS_SESSION_BUS_ADDRESS"] = secrets.address
        os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.SecretService.Keyring"
        keyring.core.init_backend()
        time.sleep(2.0)  # the testbed README's settle time for the null sinks

        from companion.app.compose import build_context

        context = build_context()
        context.audio_keys.master_key()  # create the key in the keyring before timing
        # Warm-up, not counted: loads numpy, libsndfile, the AEAD, PortAudio's device list.
        if not start_recording(context):
            return 1
        time.sleep(0.5)
        context.calls.end_call()

        sections = {
            "1": ("consent -> first frame", lambda: bench_latency(context, LATENCY_TRIALS)),
            "2": (
                "CPU / storage",
                lambda: bench_cpu_and_storage(context, procs, peer, work, cpu_run),
            ),
            "3": ("overflows", lambda: bench_overflows(context, procs, work, overflow_run)),
            "4": ("SIGKILL loss", lambda: bench_sigkill(context, procs, work, KILL_TRIALS)),
        }
        for part, (name, section) in sections.items():
            if part not in skip:
                run_section(name, rows, section)

    print_summary(rows, command, time.monotonic() - started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
