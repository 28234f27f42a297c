"""A recorder process SIGKILLed mid-call leaves a file that recovery restores."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from peers import wait_until
from peers.commands import companion
from peers.sounds import MIC, band_energy, play, tone
from sqlalchemy import select

from companion.app.compose import build_context
from companion.edges.audio.decode import decode_segment
from companion.edges.store import audit
from companion.edges.store.models import RecordingSegmentRecord

pytestmark = pytest.mark.usefixtures("secret_service", "pulse_testbed")

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


def children_of(pid: int) -> list[int]:
    """`pactl subscribe` processes started by `pid`."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)
            cmdline = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[1].split()[1]) == pid and cmdline.startswith(b"pactl\0subscribe"):
            found.append(int(stat.parent.name))
    return found


def kill_mid_call(tmp_path) -> None:
    """A recording process, SIGKILLed after a 3 s tone and a 1 s tone."""
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "recording"
        play(MIC, tone(tmp_path, 1000, 3.0))
        play(MIC, tone(tmp_path, 500, 1.0))  # the last second or so may be lost
        watchers = children_of(child.pid)
        assert watchers, "the recorder watches the sound server with pactl subscribe"
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    wait_until(
        lambda: not any(Path(f"/proc/{pid}").exists() for pid in watchers),
        what="the recorder's pactl to end with it",
        timeout=5,
    )


def test_sigkill_mid_call_then_recover(tmp_path):
    kill_mid_call(tmp_path)
    done = companion("recover")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("recovered 1 interrupted recording(s)")

    context = build_context()
    with context.store() as db:
        segment = db.scalars(select(RecordingSegmentRecord)).one()
        assert segment.state == "recovered"
        kinds = [entry["kind"] for entry in audit.entries(db)]
    assert "recording.recovered" in kinds
    decoded = decode_segment(Path(segment.path), context.audio_keys.master_key())
    assert decoded.complete  # rewritten as a cleanly closed container
    assert decoded.seconds >= 3.0, "more than 2 s lost"
    assert band_energy(decoded.frames[:, 0], decoded.rate, 1000) > 0.4
    assert segment.frames == len(decoded.frames)

    again = companion("recover")
    assert again.stdout.strip() == "no interrupted recordings found"


def test_export_writes_a_standard_ogg_opus_file(tmp_path):
    import soundfile as sf

    from companion.app.calls.service import CallRequest

    context = build_context()
    context.calls.start_call(CallRequest("Acme", "demo", "DE"))
    call_id = context.calls.current.details.call_id
    context.calls.mark_consent()
    play(MIC, tone(tmp_path, 1000, 1.5))
    context.calls.end_call()
    out = tmp_path / "call.opus"
    done = companion("export", call_id[:8], "--audio", str(out))
    assert done.returncode == 0, done.stderr
    info = sf.info(str(out))
    assert (info.format, info.subtype, info.channels) == ("OGG", "OPUS", 2)
    assert out.read_bytes()[:4] == b"OggS"
    data, rate = sf.read(str(out), dtype="int16")
    assert band_energy(data[:, 0], rate, 1000) > 0.5
    with context.store() as db:
        assert [e["kind"] for e in audit.entries(db)][-1] == "recording.exported"
    missing = companion("export", "zzzz", "--audio", str(tmp_path / "x.opus"))
    assert missing.returncode == 1 and "no call with an id starting 'zzzz'" in missing.stderr


def test_the_tray_app_recovers_at_start_and_tells_the_rep(qtbot, tmp_path):
    from companion.ui.shell.app import TrayApp

    kill_mid_call(tmp_path)
    app = TrayApp(build_context(), lambda: None)
    with qtbot.waitSignal(app.recovery_finished, timeout=30_000):
        app.announce_start_state()
    titles = [m.title for m in app.context.messages.history]
    assert "Unfinished call closed" in titles
    assert "Recording recovered after a crash" in titles
    (told,) = [m for m in app.context.messages.history if m.title.startswith("Recording rec")]
    assert told.text.startswith("Acme, ") and told.text.endswith("Click to review it.")
    call_id = told.context["review"]
    qtbot.waitUntil(lambda: app.tray.shown is told, timeout=20_000)  # its turn comes
    app.tray.icon.messageClicked.emit()  # the rep clicks the notification
    assert app.windows[f"review:{call_id}"].isVisible()
    for window in app.windows.values():
        window.close()
    app.tray.icon.hide()
