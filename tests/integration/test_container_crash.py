"""A recorder killed mid-call leaves a file that opens up to its last flush.

A child process writes a 440/660 Hz Ogg Opus stream through EncryptedWriter
with soundfile, flushing once per second of audio (faster than real time),
says "ready" and waits; the test SIGKILLs it, so no close() or finalizer runs.
The master key reaches the child in an environment variable, so no keyring is
needed for the crash itself; the last test checks the key's real home, the
Secret Service.

How much audio survives: everything the writer flushed (exactly), which is
everything libsndfile had written out as Ogg pages. libsndfile 1.2.2 writes a
page once a second of audio has piled up (its Ogg page latency) and ignores
SoundFile.flush(), so up to one page latency of encoded audio sits inside
libsndfile at the moment of a flush. The decodable audio after a kill right
after the flush at 10 s is therefore about 10 s - page latency.
"""

from __future__ import annotations

import io
import os
import selectors
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from companion.edges.audio.container.keys import MASTER_KEY_NAME, AudioKeys
from companion.edges.audio.container.reader import read_container
from companion.edges.audio.container.writer import EncryptedWriter
from companion.edges.secrets import SecretStore, SecretStoreError

KEY_VARIABLE = "RC_TEST_AUDIO_MASTER_KEY"
SECONDS = 10
READY_TIMEOUT = 60.0  # seconds; the child needs well under one

CHILD = r"""
import os, sys
from pathlib import Path

import numpy as np
import soundfile as sf

from companion.edges.audio.container.writer import EncryptedWriter

RATE, SECONDS = 48_000, int(sys.argv[3])
key = bytes.fromhex(os.environ["RC_TEST_AUDIO_MASTER_KEY"])
writer = EncryptedWriter(Path(sys.argv[1]), key)
sound = sf.SoundFile(writer, "w", RATE, 2, format="OGG", subtype="OPUS")
latency_ms = float(sys.argv[2])
if latency_ms:  # SFC_SET_OGG_PAGE_LATENCY_MS; soundfile has no public setter for it
    value = sf._ffi.new("double*", latency_ms)
    sf._snd.sf_command(sound._file, 0x1302, value, sf._ffi.sizeof("double"))

t = np.arange(RATE) / RATE  # whole cycles per second: seconds join without a click
second = (0.3 * np.stack([np.sin(2 * np.pi * 440 * t), np.sin(2 * np.pi * 660 * t)], 1))
second = second.astype(np.float32)
for _ in range(SECONDS):
    for start in range(0, RATE, 960):  # 20 ms blocks, as the capture callback delivers them
        sound.write(second[start : start + 960])
    sound.flush()
    writer.flush()
print("ready", writer.tell(), writer.records, flush=True)
sys.stdin.read()  # block until killed
"""


FULL_DISK_CHILD = r"""
import os, resource, signal, sys
from pathlib import Path

from companion.edges.audio.container.writer import EncryptedWriter

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # get EFBIG from write() instead of dying
resource.setrlimit(resource.RLIMIT_FSIZE, (2000, 2000))  # the disk is full at 2000 bytes
writer = EncryptedWriter(Path(sys.argv[1]), bytes.fromhex(os.environ["RC_TEST_AUDIO_MASTER_KEY"]))
flushed = 0
try:
    while True:
        writer.write(b"x" * 300)
        writer.flush()
        flushed += 1
except OSError:
    pass
try:
    writer.write(b"more")
    sys.exit("a failed writer took more data")
except OSError:
    pass
try:
    writer.close()
    sys.exit("a failed writer closed as if nothing happened")
except OSError:
    pass
print(flushed)
"""


def read_line(child: subprocess.Popen[bytes]) -> str:
    """The child's first stdout line, waiting at most READY_TIMEOUT (no sleeping)."""
    assert child.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(child.stdout, selectors.EVENT_READ)
        if not selector.select(READY_TIMEOUT):
            child.kill()
            pytest.fail(f"the writer did not get ready within {READY_TIMEOUT:.0f} s")
    return child.stdout.readline().decode()


def dominant_hz(signal: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(signal * np.hanning(len(signal))))
    return float(np.argmax(spectrum) * rate / len(signal))


@pytest.mark.parametrize(
    ("page_latency_ms", "min_seconds"),
    [
        (0, SECONDS - 1.0 - 0.05),  # libsndfile's default 1000 ms page latency
        (250, SECONDS - 0.25 - 0.05),  # what the encoder could set
    ],
    ids=["default-page-latency", "250ms-page-latency"],
)
def test_sigkilled_writer_leaves_a_file_readable_to_its_last_flush(
    tmp_path: Path, page_latency_ms: int, min_seconds: float
):
    path = tmp_path / "killed.rca"
    key = os.urandom(32)
    env = {**os.environ, KEY_VARIABLE: key.hex()}
    args = [str(path), str(page_latency_ms), str(SECONDS)]
    with subprocess.Popen(
        [sys.executable, "-c", CHILD, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    ) as child:
        line = read_line(child)
        child.kill()
        child.wait()
        errors = child.stderr.read().decode() if child.stderr else ""
    assert line.startswith("ready"), f"the writer failed: {errors}"
    assert child.returncode == -signal.SIGKILL
    flushed_bytes, flushed_records = (int(word) for word in line.split()[1:])

    contents = read_container(path, key)

    assert not contents.complete
    assert contents.damaged_tail_bytes == 0  # a kill between flushes tears nothing
    assert contents.records == flushed_records == SECONDS
    assert len(contents.plaintext) == flushed_bytes  # every flushed byte came back
    decoded, rate = sf.read(io.BytesIO(contents.plaintext), dtype="float32")
    assert decoded.shape[1] == 2
    assert decoded.shape[0] / rate >= min_seconds
    last_second = decoded[-rate:]
    assert dominant_hz(last_second[:, 0], rate) == pytest.approx(440, abs=2)
    assert dominant_hz(last_second[:, 1], rate) == pytest.approx(660, abs=2)


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
def test_full_disk_leaves_a_clean_end_after_the_last_whole_record(tmp_path: Path):
    path = tmp_path / "full.rca"
    key = os.urandom(32)
    done = subprocess.run(
        [sys.executable, "-c", FULL_DISK_CHILD, str(path)],
        env={**os.environ, KEY_VARIABLE: key.hex()},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    flushed = int(done.stdout)
    assert flushed > 0

    contents = read_container(path, key)
    assert contents.plaintext == b"x" * 300 * flushed
    assert not contents.complete
    assert contents.damaged_tail_bytes == 0  # the half-written record was cut off again


def test_master_key_from_the_keyring_opens_recordings_later(secret_service, tmp_path):
    service = f"RepCompanionTest-{uuid.uuid4().hex[:8]}"  # apart from other tests' secrets
    store = SecretStore(service=service)
    assert store.get(MASTER_KEY_NAME) is None
    key = AudioKeys(store).master_key()  # made on first use
    assert len(key) == 32
    path = tmp_path / "call.rca"
    writer = EncryptedWriter(path, key)
    writer.write(b"audio")
    writer.close()

    later = AudioKeys(SecretStore(service=service)).master_key()  # a new session
    assert later == key
    assert read_container(path, later).plaintext == b"audio"


def test_damaged_master_key_is_refused_not_replaced(secret_service):
    store = SecretStore(service=f"RepCompanionTest-{uuid.uuid4().hex[:8]}")
    store.set(MASTER_KEY_NAME, "not base64 at all!")
    with pytest.raises(SecretStoreError, match="damaged audio key"):
        AudioKeys(store).master_key()
    assert store.get(MASTER_KEY_NAME) == "not base64 at all!"
