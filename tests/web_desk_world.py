"""The web desk's test world: an organisation (tests/access_helpers.Org), a desk service
on a folder store with calls of team A (alice, bob, and a rep whose name is markup) and
team B (carol), local accounts, and the service + web desk under uvicorn on loopback.

Reviewers: dana (manager of team A, coaching), vik (viewer of all, notes only), cora
(compliance, every purpose). Approver: legal. Moments are tagged "objection", except on
bob's first call and carol's ("competitor_mention").
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from access_helpers import Org
from argon2 import PasswordHasher

from companion.core.policy.parse import parse_policy
from companion.core.transcripts.model import SpokenWord, Transcript, TranscriptLine
from companion.edges.sync.folder_target import FolderTarget
from companion.edges.sync.package import build_package
from companion.edges.sync.package_facts import (
    CallSummary,
    ConsentFact,
    MomentFact,
    PackageAudio,
    PackageFacts,
)

MARKUP_REP = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>document.title='owned'</script>"
PASSWORD = "correct horse battery"
ACCOUNTS = {
    "dana": "reviewer:dana",
    "vik": "reviewer:vik",
    "cora": "reviewer:cora",
    "legal": "approver:legal",
}


def tone(seconds: float, hz: float = 440.0, rate: int = 48_000) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    wave = (np.sin(2 * np.pi * hz * t) * 12_000).astype(np.int16)
    return np.stack([wave, wave], axis=1)


def _words(text: str, start: int) -> tuple[SpokenWord, ...]:
    return tuple(
        SpokenWord(w, start + i * 300, start + i * 300 + 250) for i, w in enumerate(text.split())
    )


def transcript() -> Transcript:
    lines = (
        TranscriptLine("rep", 0, 2000, _words("thanks for taking the call", 0)),
        TranscriptLine("customer", 2000, 4000, _words("my card is [number] ok", 2000)),
        TranscriptLine("rep", 4000, 6000, _words(f"noted {SCRIPT}", 4000)),
    )
    return Transcript("pocketsphinx", "en-us", "en", lines, redactions=1)


def package(org: Org, rep: str, call_id: str, started: datetime, *, seconds: float = 6.0,
            note: str = "price too high", account: str = "Acme", audio: bool = True,
            tag: str = "objection"):  # fmt: skip
    policy = parse_policy(org.policy_text(team_a=("alice", "bob", MARKUP_REP)).encode(), "org.toml")
    summary = CallSummary(
        call_id, account, "discovery", "DE", rep, policy.version, "ended",
        "recorded" if audio else "declined", None, started, started + timedelta(seconds=seconds),
    )  # fmt: skip
    consent = ConsentFact("granted" if audio else "declined", started, policy.version, "3", "en",
                          "DE", rep)  # fmt: skip
    moments = (
        MomentFact(1000, tag, None, note, True, False, started),
        MomentFact(4000, None, None, "asked for a quote", True, False, started),
    )
    facts = PackageFacts(
        summary, (consent,), moments, {"next_steps": f"send quote {SCRIPT}"}, 1 if audio else 0,
        PackageAudio(tone(seconds), 48_000) if audio else None, transcript() if audio else None,
    )  # fmt: skip
    return build_package(facts, policy, list(policy.sync.recipients))


@dataclass
class DeskWorld:
    root: Path
    org: Org = field(default_factory=Org)
    calls: dict[str, str] = field(default_factory=dict)  # name -> package id
    oidc: dict[str, str] | None = None  # issuer, client_id, client_secret
    database: str = "desk.db"  # or a PostgreSQL URL
    s3: dict[str, str] | None = None  # bucket, endpoint: the store is a bucket, not a folder

    @property
    def config(self) -> Path:
        return self.root / "desk.toml"

    def policy_text(self, service_key: str) -> str:
        text = self.org.policy_text(team_a=("alice", "bob", MARKUP_REP))
        return text + f'\n[access.service]\nkey = "{service_key}"\n'

    def write(self, port: int) -> None:
        """desk.toml, the custodian's secrets, the policy, and the calls in the store."""
        from companion.desk.edges.custodian import create_secrets

        identity = self.root / "org-identity.txt"
        identity.write_text(str(self.org.age) + "\n", encoding="utf-8")
        custodian = create_secrets(self.root / "secrets.json", identity)
        identity.unlink()
        (self.root / "policy.toml").write_text(self.policy_text(custodian.public_key), "utf-8")
        store = self.root / "store"
        store.mkdir()
        web = f'[web]\nidle_minutes = 30\npublic_url = "http://127.0.0.1:{port}"\n'
        if self.oidc:
            web += (
                f'[web.oidc]\nissuer = "{self.oidc["issuer"]}"\nclient_id = "desk"\n'
                f'client_secret = "desk-secret"\nclaim = "email"\n'
                'label = "Sign in with Example ID"\n'
                '[web.people]\n"dana@example.test" = "reviewer:dana"\n'
                '"legal@example.test" = "approver:legal"\n'
            )
        where = '[store]\nfolder = "store"\n'
        if self.s3:
            where = f'[store]\nbucket = "{self.s3["bucket"]}"\nendpoint = "{self.s3["endpoint"]}"\n'
        self.config.write_text(
            f'[service]\ndatabase = "{self.database}"\nsecrets = "secrets.json"\n'
            f'policy = "policy.toml"\nlisten = "127.0.0.1:{port}"\n'
            "require_device_signature = false\n" + where + web,
            encoding="utf-8",
        )
        now = datetime.now(UTC).replace(microsecond=0)
        target: Any = FolderTarget(store)
        if self.s3:
            from peers.s3 import REGION, TEST_KEY

            from companion.edges.sync.s3_connection import S3Credentials
            from companion.edges.sync.s3_target import S3Target

            target = S3Target(
                self.s3["bucket"], self.s3["endpoint"], REGION, lambda: S3Credentials(*TEST_KEY)
            )
        made = {
            "alice": package(self.org, "alice", "a1", now - timedelta(hours=2)),
            "alice2": package(self.org, "alice", "a2", now - timedelta(hours=3)),
            "bob": package(
                self.org,
                "bob",
                "b1",
                now - timedelta(days=2),
                note=SCRIPT,
                tag="competitor_mention",
            ),
            "markup": package(self.org, MARKUP_REP, "m1", now - timedelta(days=3)),
            "carol": package(
                self.org,
                "carol",
                "c1",
                now - timedelta(hours=1),
                account="Globex",
                tag="competitor_mention",
            ),
            "bob_notes": package(self.org, "bob", "b2", now - timedelta(days=4), audio=False),
        }
        if self.s3:  # S3 object tags refuse '<' and '>': such a rep name syncs to folders only
            del made["markup"]
        for name, built in made.items():
            target.put_package(built)
            self.calls[name] = built.package_id


SCRIPT_REP = "<script>document.title='owned'"  # a folder name cannot hold the closing '/'


def send_heartbeat(store: Path, rep: str, app: str, policy: str, sent: datetime,
                   queue: int = 0) -> None:  # fmt: skip
    """What a rep's companion writes at a sync: its device key, and its signed heartbeat."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from companion.core.access import signed
    from companion.core.access.heartbeats import Heartbeat, heartbeat_document

    key = Ed25519PrivateKey.generate()
    (store / "reps" / rep).mkdir(parents=True, exist_ok=True)
    (store / "reps" / rep / "device.txt").write_text(signed.public_key_text(key) + "\n")
    beat = Heartbeat(rep, app, policy, sent, sent - timedelta(minutes=5), queue, 0)
    (store / "fleet" / rep).mkdir(parents=True, exist_ok=True)
    (store / "fleet" / rep / "heartbeat.json").write_bytes(
        signed.canonical(heartbeat_document(beat, key))
    )


def a_fleet(world: DeskWorld) -> None:
    """Three laptops: alice current with calls waiting, bob on an old app and policy and
    silent for 9 days, and a rep whose name is markup."""
    store, now = world.root / "store", datetime.now(UTC)
    send_heartbeat(store, "alice", "0.2.0", "2026.11.1", now - timedelta(hours=1), queue=2)
    send_heartbeat(store, "bob", "0.1.0", "2026.10.1", now - timedelta(days=9))
    send_heartbeat(store, SCRIPT_REP, "0.2.0", "2026.11.1", now - timedelta(hours=3))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RunningDesk:
    url: str
    service: object
    web: object


@contextmanager
def serving(world: DeskWorld, port: int) -> Iterator[RunningDesk]:
    """The service's ASGI app with the web desk mounted, under uvicorn on loopback."""
    import uvicorn

    from companion.desk.api.app import create_app
    from companion.desk.app.compose import open_service
    from companion.desk.app.ingest import ingest
    from companion.desk.web.settings import WebSettings
    from companion.desk.web.signin.accounts import Accounts
    from companion.desk.web.site import mount_web

    service = open_service(world.config)
    ingest(service)
    app = create_app(service, ingest_every=0)
    web = mount_web(app, service, WebSettings.load(world.config))
    # Cheap hashes for the tests (a hash carries its parameters); the desk's own are costly.
    cheap = Accounts(service.db, PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    for name, person in ACCOUNTS.items():
        cheap.add(name, PASSWORD, person, service.clock())
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise TimeoutError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield RunningDesk(f"http://127.0.0.1:{port}", service, web)
    finally:
        server.should_exit = True
        thread.join(10)
