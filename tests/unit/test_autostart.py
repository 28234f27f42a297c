"""'Start with my session': the package's autostart entry, switched off and on per rep."""

from __future__ import annotations

from companion.edges.autostart import ENTRY, SessionAutostart


def test_the_rep_switches_the_packages_entry_off_and_on(tmp_path):
    system = tmp_path / "etc-xdg" / "autostart"
    system.mkdir(parents=True)
    (system / ENTRY).write_text("[Desktop Entry]\nType=Application\nExec=companion\n")
    user = tmp_path / "config" / "autostart"
    autostart = SessionAutostart(user, (tmp_path / "none", system))
    assert autostart.enabled()
    autostart.set_enabled(False)
    assert not autostart.enabled()
    assert "Hidden=true" in (user / ENTRY).read_text()  # what every XDG desktop honours
    autostart.set_enabled(True)
    assert autostart.enabled() and not (user / ENTRY).exists()


def test_without_a_package_the_rep_gets_an_entry_of_their_own(tmp_path):
    user = tmp_path / "config" / "autostart"
    autostart = SessionAutostart(user, (tmp_path / "etc-xdg" / "autostart",))
    assert not autostart.enabled()
    autostart.set_enabled(True)
    assert autostart.enabled() and "Exec=companion" in (user / ENTRY).read_text()
