"""The review-desk tests' world: an organisation (its `org`), a shared folder, Alice's
companion syncing to it, the desk service on that folder, and reviewers' desks
(`companion desk` in subprocesses) on a Secret Service keyring of their own."""

from __future__ import annotations

import pytest
from access_helpers import Org
from desk_helpers import DeskProfile
from desk_service_world import ServiceWorld, serving
from peers import require
from peers import secret_service as keyring_peer


@pytest.fixture(scope="module")
def desk_keyring(tmp_path_factory):
    """The reviewer's own Secret Service: a second bus and gnome-keyring."""
    require(*keyring_peer.PROGRAMS)
    with keyring_peer.running_secret_service(tmp_path_factory.mktemp("desk-keyring")) as peer:
        yield peer


@pytest.fixture
def world(tmp_path):
    """The organisation and its desk service (the service's keys named in its policy)."""
    made = ServiceWorld(Org(), tmp_path / "world", str(tmp_path / "world" / "desk.db"))
    made.set_up()
    return made


@pytest.fixture
def org(world):
    return world.org


@pytest.fixture
def share(world):
    return world.store_dir


@pytest.fixture
def served(world):
    """The desk service on the shared folder, its API on loopback: (service, url)."""
    service = world.service()
    with serving(service) as url:
        yield service, url


@pytest.fixture
def rep(make_context, monkeypatch, org, share):
    """Alice's companion (team A), syncing to the shared folder."""
    monkeypatch.setenv("LOGNAME", "alice")
    context = make_context()
    context.paths.policy_override.write_text(org.policy_text(), encoding="utf-8")
    context.settings.save(context.settings.load().with_changes(sync_folder=str(share)))
    return context


@pytest.fixture
def desk(tmp_path, desk_keyring, org, served):
    """Dana's desk: her signing key in her keyring, and the service's address."""
    profile = DeskProfile(tmp_path / "desk-home", desk_keyring.address, org)
    profile.set_up("dana", served[1])
    return profile


@pytest.fixture(scope="session")
def postgres():
    """A throw-away PostgreSQL 15 cluster for the session (`.ci/run` installs it)."""
    from peers import postgres as pg

    require(*pg.PROGRAMS)
    with pg.running_postgres() as peer:
        yield peer


@pytest.fixture
def pg_world(tmp_path, postgres):
    """The organisation and its desk service on a fresh PostgreSQL database."""
    made = ServiceWorld(Org(), tmp_path / "world", postgres.new_database())
    made.set_up()
    return made
