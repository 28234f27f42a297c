"""Enrolment codes: IT makes a one-time code for a rep, the rep's laptop redeems it with
`companion enrol CODE --desk URL` against a running `companion desk serve`, and the
laptop's device key is bound to that rep. A used, expired or wrong code is refused in
one line with nothing bound; too many wrong codes pause the address; a device enrolled
for alice cannot deliver a call that claims to be bob's."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from desk_service_world import call_id
from sqlalchemy import select

from companion.core.access import signed
from companion.core.access.enrolment import EnrolmentRefused, enrolment_request
from companion.desk.app.devices import PER_ADDRESS, make_code, redeem
from companion.desk.app.ingest import ingest
from companion.desk.edges.models import DeviceRow, EnrolmentCodeRow, QuarantineRow
from companion.edges.managed import ManagedIdentity, ManagedSettings
from companion.edges.sync.enrolment import EnrolmentFailed, send_enrolment


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _answers(port: int) -> bool:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        connection.request("GET", "/calls")
        return connection.getresponse().status == 401  # up: an unsigned request is refused
    except OSError:
        return False


@contextmanager
def desk_serve(config: Path) -> Iterator[str]:
    """`companion desk serve` in a subprocess of this test, until the test ends."""
    port = _port()
    command = [sys.executable, "-m", "companion", "desk", "serve", "--config", str(config),
               "--listen", f"127.0.0.1:{port}", "--ingest-every", "0"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 90  # a loaded 2-core machine starts Python slowly
        while not _answers(port):
            assert process.poll() is None, process.communicate()[1].decode()
            assert time.monotonic() < deadline, "the desk service did not start"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=15)


def companion(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "companion", *args], env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


@pytest.fixture
def desk(world):
    config = world.config_file()
    with desk_serve(config) as url:
        yield world, config, url


@pytest.fixture
def laptop(tmp_path, desk_keyring):
    """Alice's laptop: its own profile, and a keyring where its device key will live."""
    home = tmp_path / "laptop"
    return home, os.environ | {
        "COMPANION_HOME": str(home),
        "COMPANION_SYSTEM_CONFIG": str(tmp_path / "laptop-etc"),  # nothing managed
        "DBUS_SESSION_BUS_ADDRESS": desk_keyring.address,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.SecretService.Keyring",
        "LOGNAME": "root",  # the login name, which enrolment replaces
    }


def _code(config: Path, rep: str = "alice", *extra: str) -> str:
    made = companion("desk", "enrol-code", "--config", str(config), "--rep", rep, *extra,
                     env=dict(os.environ))  # fmt: skip
    assert made.returncode == 0, made.stderr
    return made.stdout.splitlines()[0].rsplit(": ", 1)[1]


def _devices(world) -> dict[str, str]:
    with world.service().db() as session:
        return dict(session.execute(select(DeviceRow.key, DeviceRow.rep)).all())


def test_a_laptop_enrols_with_a_code_once_and_then_is_alice(desk, laptop):
    world, config, url = desk
    home, env = laptop
    code = _code(config, "alice", "--team", "team_a")
    assert code.count("-") == 3 and code not in world.root.joinpath(
        world.database
    ).read_bytes().decode("latin-1")  # only its hash is kept

    done = companion("enrol", code, "--desk", url, env=env)

    assert done.returncode == 0, done.stderr
    assert f"signs its calls as alice (team team_a) for the desk at {url}" in done.stdout
    enrolment = json.loads((home / "config" / "enrolment.json").read_text())
    assert enrolment["rep"] == "alice" and enrolment["team"] == "team_a"
    assert _devices(world)[enrolment["device"]] == "alice"  # the keyring's device key
    shown = companion("configure", "--show", env=env)
    assert f"rep:          alice (enrolled with the desk at {url})" in shown.stdout

    again = companion("enrol", code, "--desk", url, env=env)
    assert again.returncode == 2
    assert again.stderr.strip() == (
        "error: The desk refused the enrolment: That enrolment code was used already; "
        "ask for a new one."
    )


def test_an_expired_or_wrong_code_is_refused_and_nothing_is_bound(desk, laptop):
    world, _config, url = desk
    home, env = laptop
    ten_days_ago = datetime.now(UTC) - timedelta(days=10)
    expired = make_code(world.service(clock=lambda: ten_days_ago), "alice", None, 7, "it")

    late = companion("enrol", expired, "--desk", url, env=env)
    wrong = companion("enrol", "ABCDE-FGHJK-MNPQR-STVWX", "--desk", url, env=env)

    assert late.returncode == 2 and wrong.returncode == 2
    assert late.stderr.strip() == (
        "error: The desk refused the enrolment: That enrolment code expired on "
        f"{ten_days_ago + timedelta(days=7):%d %b %Y}; ask for a new one."
    )
    assert wrong.stderr.strip() == (
        "error: The desk refused the enrolment: That is not an enrolment code of this desk."
    )
    assert _devices(world) == {}
    assert not (home / "config" / "enrolment.json").exists()
    assert "the login name" in companion("configure", "--show", env=env).stdout


def test_too_many_wrong_codes_pause_the_address_even_for_a_right_one(desk):
    world, config, url = desk
    key = Ed25519PrivateKey.generate()
    now = datetime.now(UTC)
    for n in range(PER_ADDRESS):
        with pytest.raises(EnrolmentFailed, match="not an enrolment code"):
            send_enrolment(url, enrolment_request(f"WRONG-{n:05d}", key, now))
    right = _code(config)

    with pytest.raises(EnrolmentFailed) as refused:
        send_enrolment(url, enrolment_request(right, key, now))

    assert "Too many wrong enrolment codes from this address" in refused.value.message
    assert _devices(world) == {}
    with world.service().db() as session:  # the right code is still unused
        assert session.execute(select(EnrolmentCodeRow.used_at)).scalars().all() == [None]


def test_a_request_not_signed_by_the_key_it_names_binds_nothing(desk):
    world, config, url = desk
    mine, theirs = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    document = enrolment_request(_code(config), mine, datetime.now(UTC))
    document["body"]["device"] = signed.public_key_text(theirs)  # enrol someone else's key

    with pytest.raises(EnrolmentFailed, match="not signed by the device key it names"):
        send_enrolment(url, document)
    assert _devices(world) == {}


def test_an_enrolled_device_delivers_for_its_rep_and_not_for_another(desk):
    world, config, url = desk
    key = Ed25519PrivateKey.generate()  # a laptop not in the policy's [access.devices]
    world.devices["alice"] = world.devices["bob"] = key
    early = world.deliver("alice", call_id(1))
    service = world.service()
    assert ingest(service).quarantined == {early: "it is signed by a device that is not enrolled"}

    answer = send_enrolment(url, enrolment_request(_code(config), key, datetime.now(UTC)))
    assert answer["rep"] == "alice"
    later = world.deliver("alice", call_id(2))
    claims_bob = world.deliver("bob", call_id(3))  # alice's laptop, a call that says bob's

    report = ingest(service)
    assert report.listed == 2  # the early call gets another look once the device is enrolled
    assert report.quarantined == {
        claims_bob: "it is signed by a device enrolled for alice, not for its rep"
    }
    with service.db() as session:
        quarantined = set(session.execute(select(QuarantineRow.package_id)).scalars())
    assert quarantined == {claims_bob} and early != later


@pytest.mark.parametrize(
    ("identity", "enrolled", "rep"),
    [
        (None, None, "root"),  # nothing: the login name
        (None, "alice@example.com", "alice@example.com"),  # enrolled: the desk's id
        (ManagedIdentity(source="managed", rep="a.li"), "alice@example.com", "a.li"),  # IT's
        (ManagedIdentity(source="login"), "alice@example.com", "root"),  # IT chose the login
    ],
)
def test_the_reps_id_is_its_from_it_then_the_enrolment_then_the_login(identity, enrolled, rep):
    managed = ManagedSettings(Path("/etc/rep-companion/managed.toml") if identity else None,
                              None, identity)  # fmt: skip
    assert managed.rep("root", enrolled) == rep


def test_codes_are_made_redeemed_once_and_expire_on_postgresql(pg_world):
    service = pg_world.service()
    key = Ed25519PrivateKey.generate()
    code = make_code(service, "carol", "team_b", 1, "it")
    raw = signed.canonical(enrolment_request(code, key, datetime.now(UTC)))

    assert redeem(service, raw, "10.0.0.7").rep == "carol"
    with pytest.raises(EnrolmentRefused, match="used already"):
        redeem(service, raw, "10.0.0.7")
    old = make_code(pg_world.service(clock=lambda: datetime.now(UTC) - timedelta(days=2)),
                    "carol", None, 1, "it")  # fmt: skip
    with pytest.raises(EnrolmentRefused, match="expired"):
        redeem(service, signed.canonical(enrolment_request(old, key, datetime.now(UTC))), "x")
    assert _devices(pg_world) == {signed.public_key_text(key): "carol"}
