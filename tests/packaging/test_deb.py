"""The .deb as IT installs it: apt-get install, the tray on a real tray host, IT's /etc,
an upgrade with a call waiting to sync, remove and purge; and the desk's package.

Heavy (about two minutes: one build of the environment, three packs, three installs),
so one module, marked `deb`. It installs into this machine's real /usr, /opt and
/etc/rep-companion: it runs only as root (CI is root on a throw-away machine), puts back
the /etc folders it found, and purges both packages at the end.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from call_helpers import ready_call
from peers import wait_until
from peers.x11 import XConnection

from companion.edges.paths import AppPaths
from companion.edges.policy.files import default_policy_path
from companion.edges.policy.signing import generate_keypair, sign_policy

pytestmark = pytest.mark.deb

REPO = Path(__file__).resolve().parents[2]
BUILD = REPO / "packaging" / "deb" / "build.sh"
APP_ID = "org.repcompanion.RepCompanion"
ETC = Path("/etc/rep-companion")
DESK_ETC = Path("/etc/rep-companion-desk")
REP = "alice.martin@example.com"
MANAGED_VERSION = "2026.12.1"


def _needs() -> str | None:
    if os.geteuid() != 0:
        return "installs a .deb into /usr and /opt: runs as root only (CI is root)"
    for program in ("dpkg-deb", "apt-get", "uv", "desktop-file-validate", "appstreamcli"):
        if shutil.which(program) is None:
            return f"peer not installed: {program} (see .ci/run)"
    if not Path("/usr/bin/python3").exists():
        return "peer not installed: Debian's python3 (see .ci/run)"
    return None


def run(*args: str | Path, env: dict[str, str] | None = None, ok: bool = True) -> str:
    done = subprocess.run(
        [str(a) for a in args], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    if ok:
        assert done.returncode == 0, f"{args}: {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def apt(*args: str | Path) -> str:
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    return run("apt-get", "-y", "--no-install-recommends", *args, env=env)


def installed_version(package: str) -> str | None:
    done = subprocess.run(
        ["dpkg-query", "-W", "-f=${db:Status-Status} ${Version}", package],
        capture_output=True,
        text=True,
        check=False,
    )
    status, _, version = done.stdout.partition(" ")
    return version if status == "installed" else None


@pytest.fixture(scope="module")
def debs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Revision 1 of both packages and revision 2 of the rep's (the upgrade)."""
    why = _needs()
    if why:
        pytest.skip(why)
    for package in ("rep-companion", "rep-companion-desk"):
        if installed_version(package):
            pytest.skip(f"{package} is installed on this machine: not touching it")
    out = REPO / "dist" / "deb"  # the staged environment is reused while sources are alike
    run(BUILD, "--revision", "1", "--out", out)
    run(BUILD, "--revision", "2", "--out", out, "--package", "rep-companion")
    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    return {
        "old": out / f"rep-companion_{version}-1_amd64.deb",
        "new": out / f"rep-companion_{version}-2_amd64.deb",
        "desk": out / f"rep-companion-desk_{version}-1_amd64.deb",
    }


@pytest.fixture(scope="module")
def machine(debs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """IT's /etc for this laptop; afterwards both packages purged and /etc put back."""
    aside = tmp_path_factory.mktemp("etc-aside")
    for folder in (ETC, DESK_ETC):
        if folder.exists():
            shutil.move(folder, aside / folder.name)
    had_user = subprocess.run(["getent", "passwd", "rep-companion-desk"], check=False).returncode
    share = tmp_path_factory.mktemp("it") / "share"  # absent until the upgrade: offline
    try:
        yield share
    finally:
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        for package in ("rep-companion", "rep-companion-desk"):
            subprocess.run(["dpkg", "--purge", package], env=env, capture_output=True, check=False)
        if had_user != 0:
            subprocess.run(["deluser", "--system", "rep-companion-desk"], capture_output=True)
            subprocess.run(["delgroup", "--system", "rep-companion-desk"], capture_output=True)
        for folder in (ETC, DESK_ETC):
            shutil.rmtree(folder, ignore_errors=True)
            if (aside / folder.name).exists():
                shutil.move(aside / folder.name, folder)


def install_managed_config(share: Path, keys: Path, recipient: str) -> None:
    """What IT's configuration management writes: two keys (rotation), a policy signed
    by the newer one, and managed.toml with the share and the rep's id."""
    (ETC / "organisation-keys").mkdir(mode=0o755, parents=True, exist_ok=True)
    for name in ("org-2026", "org-2027"):
        generate_keypair(keys / f"{name}-private.pem", ETC / "organisation-keys" / f"{name}.pem")
    policy = default_policy_path().read_text(encoding="utf-8")
    policy = policy.replace('version = "2026.11.1"', f'version = "{MANAGED_VERSION}"')
    policy += f'\n[sync]\nrecipients = ["{recipient}"]\n'
    (ETC / "policy.toml").write_text(policy, encoding="utf-8")
    sign_policy(ETC / "policy.toml", keys / "org-2027-private.pem")
    (ETC / "managed.toml").write_text(
        f'[sync]\nfolder = "{share}"\n\n[identity]\nsource = "managed"\nrep = "{REP}"\n',
        encoding="utf-8",
    )
    for path in (ETC, *ETC.rglob("*")):
        path.chmod(0o755 if path.is_dir() else 0o644)


def rep_env(home: Path, display: str, bus: str, pulse: dict[str, str]) -> dict[str, str]:
    """A rep's session: their home, the X display, the session bus with their keyring."""
    runtime = home / "runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "USER": "root",
        "LANG": "C.UTF-8",
        "DISPLAY": display,
        "QT_QPA_PLATFORM": "xcb",
        "XDG_RUNTIME_DIR": str(runtime),
        "DBUS_SESSION_BUS_ADDRESS": bus,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.SecretService.Keyring",
        "NO_AT_BRIDGE": "1",
        **pulse,
    }


def tray_icon_of(display: str, pid: int) -> bool:
    """Whether a viewable window of `pid` sits inside trayer's panel (the icon, docked)."""
    x = XConnection(display)
    try:
        panels = [w for w in x.children(x.root) if x.wm_class(w) == ("panel", "trayer")]
        return any(x.pid(w) == pid and x.viewable(w) for p in panels for w in x.descendants(p))
    finally:
        x.close()


@pytest.mark.xvfb
def test_installs_runs_upgrades_and_removes_keeping_the_reps_calls(
    debs, machine, tray_display, secret_service, pulse_testbed, make_context, tmp_path
):
    share = machine
    import pyrage

    organisation = pyrage.x25519.Identity.generate()
    (tmp_path / "org-keys").mkdir()
    install_managed_config(share, tmp_path / "org-keys", str(organisation.to_public()))
    home = tmp_path / "home"
    home.mkdir()
    env = rep_env(home, tray_display, secret_service.address, pulse_testbed.env)

    # 1. Install revision 1 as IT does; what a rep's desktop sees is valid.
    apt("install", debs["old"])
    assert installed_version("rep-companion") and Path("/usr/bin/companion").exists()
    assert run("companion", "--version", env=env).strip().startswith("companion ")
    for entry in (
        f"/usr/share/applications/{APP_ID}.desktop",
        f"/etc/xdg/autostart/{APP_ID}.desktop",
    ):
        run("desktop-file-validate", entry)
    run("appstreamcli", "validate", "--no-net", f"/usr/share/metainfo/{APP_ID}.metainfo.xml")
    assert Path(f"/usr/share/icons/hicolor/scalable/apps/{APP_ID}.svg").is_file()
    site = next(Path("/opt/rep-companion/lib").glob("python3*/site-packages"))
    assert (site / "companion" / "cli.py").read_bytes() == (
        REPO / "companion" / "cli.py"
    ).read_bytes()
    assert not (site / "companion" / "desk").exists()  # a rep's laptop never carries it
    assert "not part of this installation" in run("companion", "desk", "--help", env=env, ok=False)
    assert not [p.name for p in site.iterdir() if p.name in ("pytest", "moto", "mypy", "ruff")]

    # 2. The installed app starts in the tray of a real tray host.
    log = tmp_path / "app.log"
    with log.open("wb") as sink:
        app = subprocess.Popen(
            ["/usr/bin/companion"], env=env, stdout=sink, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        wait_until(
            lambda: app.poll() is None and tray_icon_of(tray_display, app.pid),
            what=f"the installed app's tray icon (log: {log.read_text(errors='replace')})",
            timeout=60,
        )
    finally:
        app.send_signal(signal.SIGTERM)
        app.wait(30)
    assert app.returncode == 0, log.read_text(errors="replace")

    # 3. It reads IT's policy and target from /etc, and the rep's id is IT's.
    shown = run("companion", "configure", env=env)
    assert f"rep:          {REP} (managed by your organisation" in shown
    assert f"sync target:  folder {share} (managed by your organisation" in shown
    assert f"policy:       version {MANAGED_VERSION}, signed, managed by your organisation" in shown

    # 4. A policy (and key) of the rep's own is refused while IT's exist, even a newer one
    #    signed with a key the rep made: the managed policy stays in force.
    config = home / ".config" / "RepCompanion"
    config.mkdir(parents=True, exist_ok=True)
    generate_keypair(tmp_path / "rep-private.pem", config / "organisation-key.pem")
    (config / "policy.toml").write_text(
        default_policy_path().read_text().replace("2026.11.1", "2099.1.1"), encoding="utf-8"
    )
    sign_policy(config / "policy.toml", tmp_path / "rep-private.pem")
    shown = run("companion", "configure", env=env)
    assert f"policy:       version {MANAGED_VERSION}, signed, managed by your organisation" in shown
    assert f"ignored:      {config / 'policy.toml'}" in shown
    assert "cannot be changed" in run(
        "companion", "configure", "--sync-folder", tmp_path, env=env, ok=False
    )
    (config / "policy.toml").unlink()
    (config / "policy.toml.sig").unlink()
    (config / "organisation-key.pem").unlink()

    # 5. A consented call, recorded through the real recorder, waits for the absent share.
    paths = AppPaths(
        home / ".local" / "share" / "RepCompanion",
        config,
        home / ".local" / "state" / "RepCompanion" / "log",
        ETC,
    )
    context = make_context(paths=paths, real_audio=True)
    assert context.rep == REP
    call_id = ready_call(context, consent=True, sounds=tmp_path)
    context.transcription.stop()
    offline = run("companion", "sync", env=env, ok=False)
    assert "offline" in offline or "not reachable" in offline.lower(), offline
    assert not share.exists()

    # 6. Upgrade to revision 2: the call, its audio and the queue are all there.
    apt("install", debs["new"])
    assert installed_version("rep-companion").endswith("-2")
    share.mkdir()
    delivered = run("companion", "sync", env=env)
    assert call_id[:8] in delivered or "1 delivered" in delivered or "synced" in delivered, (
        delivered
    )
    assert any(call_id in p.name for p in share.rglob("*")), sorted(share.rglob("*"))
    audio = tmp_path / "after-upgrade.opus"
    run("companion", "export", call_id[:8], "--audio", audio, env=env)
    assert audio.stat().st_size > 1000

    # 7. The desk's package: its own user, a unit systemd accepts, the desk back in.
    apt("install", debs["desk"])
    assert subprocess.run(["getent", "passwd", "rep-companion-desk"], check=False).returncode == 0
    unit = "/lib/systemd/system/rep-companion-desk.service"
    run("systemd-analyze", "verify", "--man=no", unit)
    assert "desk" in run("companion-desk", "--help", env=env, ok=False).lower()
    apt("purge", "rep-companion-desk")

    # 8. Remove: the program goes, the rep's profile and IT's /etc stay.
    apt("remove", "rep-companion")
    assert not Path("/usr/bin/companion").exists() and not Path("/opt/rep-companion").exists()
    assert (paths.data_dir / "companion.db").is_file()
    assert any((paths.recordings_dir).rglob("*")), "the recorded audio is gone"
    assert (ETC / "managed.toml").is_file()

    # 9. Purge without an explicit yes (no terminal here) keeps every profile, and says so.
    said = apt("purge", "rep-companion")
    assert "profiles kept" in said or "no rep profiles" in said, said
    assert (paths.data_dir / "companion.db").is_file()
