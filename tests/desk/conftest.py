"""The review-desk tests' world: an organisation (its `org` replaces the age identity of
the integration fixtures here), a shared folder, Alice's companion syncing to it, and
Dana's desk on its own Secret Service keyring."""

from __future__ import annotations

import pytest
from access_helpers import Org
from desk_helpers import DeskProfile
from peers import require
from peers import secret_service as keyring_peer


@pytest.fixture(scope="module")
def desk_keyring(tmp_path_factory):
    """The reviewer's own Secret Service: a second bus and gnome-keyring."""
    require(*keyring_peer.PROGRAMS)
    with keyring_peer.running_secret_service(tmp_path_factory.mktemp("desk-keyring")) as peer:
        yield peer


@pytest.fixture
def org():
    return Org()


@pytest.fixture
def share(tmp_path):
    folder = tmp_path / "share"
    folder.mkdir()
    return folder


@pytest.fixture
def rep(make_context, monkeypatch, org, share):
    """Alice's companion (team A), syncing to the shared folder."""
    monkeypatch.setenv("LOGNAME", "alice")
    context = make_context()
    context.paths.policy_override.write_text(org.policy_text(), encoding="utf-8")
    context.settings.save(context.settings.load().with_changes(sync_folder=str(share)))
    return context


@pytest.fixture
def desk(tmp_path, desk_keyring, org, share):
    profile = DeskProfile(tmp_path / "desk-home", desk_keyring.address, org)
    profile.set_up("dana", {"sync_folder": str(share)}, org.policy_text())
    return profile
