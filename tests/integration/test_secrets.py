"""SecretStore against a real Secret Service (gnome-keyring on a private D-Bus bus)."""

from __future__ import annotations

import uuid
from contextlib import closing
from pathlib import Path

import pytest
from keyring.backend import KeyringBackend, KeyringBackendMeta
from keyring.backends import SecretService, fail, null
from peers import require
from peers.secret_service import PROGRAMS, SecretServicePeer, running_secret_service

from companion.edges.secrets import SERVICE_NAME, Failure, SecretStore, SecretStoreError

SECRET_SERVICE = "keyring.backends.SecretService.Keyring"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def stored_names(peer: SecretServicePeer) -> set[str]:
    """Names of the app's secrets, read straight from the daemon (not through keyring)."""
    with closing(peer.connect()) as connection:
        items = peer.login_collection(connection).search_items({"service": SERVICE_NAME})
        return {item.get_attributes()["username"] for item in items}


class _Unlisted(KeyringBackendMeta):
    """Keeps the test backend out of keyring's backend discovery for the rest of the session."""

    def _register(cls) -> None:
        pass


class DictKeyring(KeyringBackend, metaclass=_Unlisted):
    """A real, working keyring backend that keeps secrets in memory, rated like a plaintext file."""

    priority = 0.5  # keyrings.alt's PlaintextKeyring has the same rating

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        del self.secrets[(service, username)]


# --- a working Secret Service ---------------------------------------------------------


def test_status_of_the_secret_service_is_secure(secret_service: SecretServicePeer) -> None:
    status = SecretStore().status()

    assert status.backend == SECRET_SERVICE
    assert status.secure
    assert status.problem is None


def test_round_trip(secret_service: SecretServicePeer) -> None:
    store, name = SecretStore(), unique("audio-key")

    assert store.get(name) is None
    store.set(name, "first")
    store.set(name, "second ✓")  # replaces, and survives non-ASCII
    assert store.get(name) == "second ✓"
    assert name in stored_names(secret_service)  # really in gnome-keyring
    store.delete(name)
    assert store.get(name) is None
    assert name not in stored_names(secret_service)
    store.delete(name)  # deleting what is gone is fine


def test_probe_passes_and_leaves_nothing_behind(secret_service: SecretServicePeer) -> None:
    SecretStore().probe()

    assert not {name for name in stored_names(secret_service) if name.startswith("probe-")}


def test_secrets_are_not_written_to_disk_in_plaintext(secret_service: SecretServicePeer) -> None:
    login_file = secret_service.data_dir / "keyrings" / "login.keyring"
    before = login_file.read_bytes()
    value = unique("plaintext-canary")

    SecretStore().set(unique("canary"), value)

    after = login_file.read_bytes()
    assert after != before  # gnome-keyring saved the new item to disk right away...
    files = [path for path in secret_service.data_dir.rglob("*") if path.is_file()]
    assert not [path for path in files if value.encode() in path.read_bytes()]  # ...encrypted


# --- a locked keyring ----------------------------------------------------------------


def test_locked_keyring_fails_clearly_and_recovers(secret_service: SecretServicePeer) -> None:
    store, name = SecretStore(), unique("sync-token")
    store.set(name, "kept")
    secret_service.lock()
    try:
        assert secret_service.is_locked()
        with pytest.raises(SecretStoreError) as probe_error:
            store.probe()
        with pytest.raises(SecretStoreError) as get_error:
            store.get(name)
        assert store.status().secure  # locked is a state of a secure keyring, not a weakness
    finally:
        secret_service.unlock()

    for error in (probe_error.value, get_error.value):
        assert error.kind is Failure.LOCKED
        assert "locked" in str(error)
        assert SECRET_SERVICE in str(error)
        assert "Unlock" in error.fix
    assert store.get(name) == "kept"  # nothing was lost while locked
    store.probe()


# --- keyrings that must not hold the app's secrets -----------------------------------


def test_fail_backend_is_reported_and_refused() -> None:
    store = SecretStore(fail.Keyring())

    status = store.status()
    assert not status.secure
    assert status.problem == "No OS keyring was found on this computer."
    assert "GNOME Keyring" in status.fix
    with pytest.raises(SecretStoreError) as error:
        store.probe()
    assert error.value.kind is Failure.UNAVAILABLE


def test_null_backend_is_reported_insecure() -> None:
    status = SecretStore(null.Keyring()).status()

    assert not status.secure
    assert status.problem is not None
    assert "throws every secret away" in status.problem


def test_low_priority_backend_is_insecure_and_never_written() -> None:
    backend = DictKeyring()
    store = SecretStore(backend)

    status = store.status()
    assert not status.secure
    assert status.problem is not None
    assert "priority 0.5" in status.problem
    assert "plain file" in status.problem
    assert "PYTHON_KEYRING_BACKEND" in status.fix
    with pytest.raises(SecretStoreError) as error:
        store.set("audio-key", "do not store me")
    assert error.value.kind is Failure.INSECURE
    with pytest.raises(SecretStoreError):
        store.probe()
    assert backend.secrets == {}  # no fall-back: the secret never reached the backend


def test_secret_service_without_a_daemon_is_unavailable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path / 'no-bus'}")
    store = SecretStore(SecretService.Keyring())

    status = store.status()
    assert not status.secure
    assert status.problem is not None
    assert "not available" in status.problem
    with pytest.raises(SecretStoreError) as error:
        store.get("audio-key")
    assert error.value.kind is Failure.UNAVAILABLE


def test_daemon_gone_after_use_is_an_error_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require(*PROGRAMS)
    store = SecretStore(SecretService.Keyring())
    with running_secret_service(tmp_path) as own_service:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", own_service.address)
        store.probe()  # trusted from here on

    with pytest.raises(SecretStoreError) as error:
        store.get("audio-key")
    assert error.value.kind is Failure.UNAVAILABLE
    assert SECRET_SERVICE in str(error.value)
