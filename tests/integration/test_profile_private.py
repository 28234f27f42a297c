"""The profile is the rep's alone: after a whole call (recorded, reviewed, transcribed,
synced, exported) under umask 022, nothing in it is readable by another local user."""

from __future__ import annotations

import os
import stat

import pyrage
import pytest
from call_helpers import organisation_policy, ready_call

from companion.app.doctor import check_privacy
from companion.app.sync.sync_pass import sync_once
from companion.edges.paths import AppPaths
from companion.edges.privacy import readable_by_others


@pytest.fixture
def open_umask():
    before = os.umask(0o022)  # a typical desktop's: files 0644, folders 0755
    yield
    os.umask(before)


def _modes(paths: AppPaths) -> dict[str, str]:
    return {str(p): oct(stat.S_IMODE(p.stat().st_mode)) for p in readable_by_others(paths.folders)}


@pytest.mark.usefixtures("secret_service", "pulse_testbed", "open_umask")
def test_nothing_in_the_profile_is_readable_by_others_after_a_whole_call(make_context, tmp_path):
    context = make_context(real_audio=True)
    try:
        share = tmp_path / "share"
        share.mkdir()
        share.chmod(0o750)  # the organisation lets its group read the share
        organisation_policy(
            context,
            str(pyrage.x25519.Identity.generate().to_public()),
            f'\n[sync.target]\nfolder = "{share}"\n',
        )
        call_id = ready_call(context, consent=True, sounds=tmp_path)
        assert context.transcription.run_pending() == [call_id]
        assert sync_once(context).startswith("sync: 1 delivered")
        context.exports.notes(call_id, "md", tmp_path / "notes.md")
    finally:
        context.transcription.stop()
    paths = context.paths
    assert any(paths.recordings_dir.rglob("*")) and any(paths.transcripts_dir.rglob("*"))
    assert {p.name for p in paths.data_dir.iterdir()} >= {"companion.db", "companion.db-wal"}
    assert _modes(paths) == {}
    for folder in paths.folders:
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    package = share / f"call-{call_id}"  # the share's files are as open as the share
    assert stat.S_IMODE(package.stat().st_mode) == 0o750
    assert {stat.S_IMODE(p.stat().st_mode) for p in package.iterdir()} == {0o640}


@pytest.mark.usefixtures("open_umask")
def test_an_older_open_profile_is_tightened_at_start_and_said_once(make_context, caplog):
    paths = AppPaths.from_environment()
    for folder in paths.folders:
        folder.mkdir(mode=0o755, parents=True)
    (paths.data_dir / "companion.db").touch(mode=0o644)
    (paths.config_dir / "settings.json").write_text("{}")
    assert len(_modes(paths)) == 5
    doctor = check_privacy(paths, readable_by_others(paths.folders))
    assert doctor.detail.startswith("your data was readable by other users of this computer")
    assert _modes(paths) == {}

    for folder in paths.folders:
        folder.chmod(0o755)
    (paths.data_dir / "companion.db").chmod(0o644)
    make_context()
    assert _modes(paths) == {}
    said = [r.message for r in caplog.records if "readable by others" in r.message]
    assert said == ["the profile was readable by others: 4 entries now the rep's only"]
    make_context()
    assert len([r for r in caplog.records if "readable by others" in r.message]) == 1
    assert check_privacy(paths, []).detail == "your data is readable by you only"
