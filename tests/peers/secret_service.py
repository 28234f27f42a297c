"""A real Secret Service: a private D-Bus session bus with gnome-keyring-daemon on it.

The bus config lists no service directories, so nothing can be D-Bus-activated:
no second keyring daemon, and no password prompter (gcr-prompter). An unlock
request on a locked collection therefore fails at once instead of waiting for a
person, which is what a headless test needs.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

import secretstorage
from jeepney import DBusAddress, new_method_call
from jeepney.io.blocking import DBusConnection, open_dbus_connection
from jeepney.wrappers import DBusErrorResponse, unwrap_msg

from . import clean_env, ensure_alive, read_line, spawn, stop, wait_until

PROGRAMS = ("dbus-daemon", "gnome-keyring-daemon")
LOGIN_COLLECTION = "/org/freedesktop/secrets/collection/login"
PASSWORD = "test-login-password"

_SERVICE = DBusAddress(
    "/org/freedesktop/secrets",
    bus_name="org.freedesktop.secrets",
    interface="org.freedesktop.Secret.Service",
)
# gnome-keyring's own interface for unlocking without a prompt (what seahorse uses).
_GNOME_KEYRING = DBusAddress(
    "/org/freedesktop/secrets",
    bus_name="org.freedesktop.secrets",
    interface="org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface",
)

_BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={socket_dir}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


@dataclass(frozen=True)
class SecretServicePeer:
    """A running Secret Service; `address` is its DBUS_SESSION_BUS_ADDRESS."""

    address: str
    data_dir: Path
    password: str = PASSWORD
    daemon: _Daemon | None = field(default=None, compare=False, repr=False)

    def revive_if_dead(self) -> str | None:
        """Start the keyring daemon again if it died; its last log lines, or None.

        A whole run's tests share one daemon per worker: once it dies, every later test
        that touches the keyring fails for that reason alone, far from the cause. Its
        keyring file survives it, so a new daemon serves the same items.
        """
        return self.daemon.revive() if self.daemon is not None else None

    def connect(self) -> DBusConnection:
        return open_dbus_connection(bus=self.address)

    def login_collection(self, connection: DBusConnection) -> secretstorage.Collection:
        return secretstorage.Collection(connection, LOGIN_COLLECTION)

    def is_locked(self) -> bool:
        with closing(self.connect()) as connection:
            return self.login_collection(connection).is_locked()

    def lock(self) -> None:
        """Lock the login collection, as a screen lock or `seahorse` would."""
        with closing(self.connect()) as connection:
            self.login_collection(connection).lock()

    def unlock(self) -> None:
        """Unlock the login collection with its password, without a prompt."""
        with closing(self.connect()) as connection:
            session = _open_plain_session(connection)
            secret = (session, b"", self.password.encode(), "text/plain")
            call = new_method_call(
                _GNOME_KEYRING, "UnlockWithMasterPassword", "o(oayays)", (LOGIN_COLLECTION, secret)
            )
            unwrap_msg(connection.send_and_get_reply(call))


def _open_plain_session(connection: DBusConnection) -> str:
    call = new_method_call(_SERVICE, "OpenSession", "sv", ("plain", ("s", "")))
    _output, session_path = unwrap_msg(connection.send_and_get_reply(call))
    return session_path


@contextmanager
def running_secret_service(root: Path) -> Iterator[SecretServicePeer]:
    """Start a private bus and an unlocked gnome-keyring under `root`; stop both on exit."""
    with ExitStack() as stack:
        address = _start_bus(root, stack)
        daemon = _Daemon(root, address, stack)
        daemon.start()
        yield SecretServicePeer(address=address, data_dir=root / "data", daemon=daemon)


def _start_bus(root: Path, stack: ExitStack) -> str:
    socket_dir = root / "bus"
    socket_dir.mkdir(parents=True)
    config = root / "bus.conf"
    config.write_text(_BUS_CONFIG.format(socket_dir=escape(str(socket_dir))))
    log = root / "dbus-daemon.log"
    bus = spawn(
        ["dbus-daemon", f"--config-file={config}", "--nofork", "--print-address=1"],
        log=log,
        stdout=subprocess.PIPE,
        start_new_session=True,  # no signal meant for a test's process group reaches it
    )
    stack.callback(stop, bus)
    assert bus.stdout is not None
    try:
        return read_line(bus.stdout.fileno(), what="dbus-daemon address")
    except (RuntimeError, TimeoutError):
        ensure_alive(bus, log)  # a dead daemon explains itself with its log
        raise


class _Daemon:
    """gnome-keyring-daemon on the private bus, restartable with the same keyring files."""

    def __init__(self, root: Path, address: str, stack: ExitStack) -> None:
        self.root, self.address, self.stack = root, address, stack
        self.process: subprocess.Popen[bytes] | None = None
        self.log = root / "gnome-keyring.log"

    def revive(self) -> str | None:
        if self.process is not None and self.process.poll() is None:
            return None
        code = self.process.returncode if self.process is not None else None
        text = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
        self.start()
        return f"gnome-keyring-daemon had exited (code {code}); its log:\n{text}"

    def start(self) -> None:
        home, data, runtime = self.root / "home", self.root / "data", self.root / "runtime"
        for folder in (home, data, runtime):
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        # XDG_RUNTIME_DIR is private too: --unlock would otherwise hand the password to
        # an already running daemon through its control socket there.
        env = clean_env(
            DBUS_SESSION_BUS_ADDRESS=self.address,
            HOME=str(home),
            XDG_DATA_HOME=str(data),
            XDG_CONFIG_HOME=str(home / ".config"),
            XDG_RUNTIME_DIR=str(runtime),
        )
        daemon = spawn(
            ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
            log=self.log,
            stdin=subprocess.PIPE,
            env=env,
            start_new_session=True,  # no signal meant for a test's process group reaches it
        )
        self.process = daemon
        self.stack.callback(stop, daemon)
        assert daemon.stdin is not None
        daemon.stdin.write(PASSWORD.encode())  # --unlock reads the login password until EOF
        daemon.stdin.close()
        address, log = self.address, self.log

        def unlocked_login_collection() -> bool:
            ensure_alive(daemon, log)
            try:
                with closing(open_dbus_connection(bus=address)) as connection:
                    collection = secretstorage.Collection(connection, LOGIN_COLLECTION)
                    return not collection.is_locked()
            except (secretstorage.exceptions.SecretStorageException, DBusErrorResponse, OSError):
                return False

        wait_until(unlocked_login_collection, what="gnome-keyring login collection")
