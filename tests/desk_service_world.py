"""The desk service's test world: the organisation's store (a folder), the service with
its own secret file and database, reps' devices that sign packages, and the service's
API on loopback (uvicorn in a thread) for reviewers' signed requests."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from access_helpers import Org
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from desk_helpers import recorded_package

from companion.core.access import signed
from companion.core.access.devices import sign_package
from companion.core.policy.parse import parse_policy
from companion.desk.api.client import DeskClient
from companion.desk.app.ingest import ingest
from companion.desk.app.service import DeskService
from companion.desk.edges.custodian import create_secrets, load_secrets
from companion.desk.edges.database import open_database
from companion.edges.sync.folder_target import FolderTarget
from companion.edges.sync.org_store import FolderOrgStore, OrgStore
from companion.edges.sync.package import CallPackage, canonical_json

REPS = ("alice", "bob", "carol")
WHY = {"purpose": "coaching", "reason": "objection handling"}


@dataclass
class ServiceWorld:
    org: Org
    root: Path
    database: str
    devices: dict[str, Ed25519PrivateKey] = field(
        default_factory=lambda: {rep: Ed25519PrivateKey.generate() for rep in REPS}
    )

    @property
    def store_dir(self) -> Path:
        return self.root / "store"

    @property
    def secrets(self) -> Path:
        return self.root / "service" / "secrets.json"

    @property
    def policy_file(self) -> Path:
        return self.root / "service" / "policy.toml"

    def set_up(self) -> None:
        self.store_dir.mkdir(parents=True, exist_ok=True)
        identity = self.root / "org-identity.txt"
        identity.write_text(str(self.org.age) + "\n", encoding="utf-8")
        custodian = create_secrets(self.secrets, identity)
        identity.unlink()  # moved into the service's secret file
        self.org.service_key = custodian.public_key
        self.org.devices = {
            f"{rep}_laptop": (rep, signed.public_key_text(key)) for rep, key in self.devices.items()
        }
        self.policy_file.write_text(self.org.policy_text(), encoding="utf-8")

    def config_file(self) -> Path:
        """The service's desk.toml, for the admin verbs run as a subprocess."""
        path = self.root / "service" / "desk.toml"
        path.write_text(
            f'[service]\ndatabase = "{self.database}"\nsecrets = "secrets.json"\n'
            f'policy = "policy.toml"\n\n[store]\nfolder = "{self.store_dir}"\n',
            encoding="utf-8",
        )
        return path

    def service(self, store: OrgStore | None = None, **options: object) -> DeskService:
        policy = parse_policy(self.policy_file.read_bytes(), "policy.toml")
        return DeskService(
            policy,
            open_database(self.database),
            store or FolderOrgStore(self.store_dir),
            load_secrets(self.secrets),
            policy_path=self.policy_file,
            **options,  # type: ignore[arg-type]
        )

    def package(self, rep: str, call_id: str, *, sign: bool = True, **kw: object) -> CallPackage:
        package = recorded_package(self.org, rep, call_id, **kw)  # type: ignore[arg-type]
        if not sign:
            return package
        index = sign_package(package.index, canonical_json(package.manifest), self.devices[rep])
        return dataclasses.replace(package, index=index)

    def deliver(self, rep: str, call_id: str, **kw: Any) -> str:
        package = self.package(rep, call_id, **kw)
        FolderTarget(self.store_dir).put_package(package)
        return package.package_id

    def client(self, url: str, who: str, kind: str = "reviewer") -> DeskClient:
        return DeskClient(url, f"{kind}:{who}", self.org.keys[who], timeout=30)


def call_id(n: int) -> str:
    return f"5e1f0000-0000-4000-8000-{n:012d}"


@contextmanager
def serving(service: DeskService, wrap: Any = None) -> Iterator[str]:
    """The service's API on a loopback port, in a thread of this process; `wrap(app)`
    may put a recording layer around it."""
    import uvicorn

    from companion.desk.api.app import create_app

    app = create_app(service)
    config = uvicorn.Config(
        wrap(app) if wrap else app, host="127.0.0.1", port=0, log_level="warning", lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:  # poll the server's own flag
        assert thread.is_alive() and time.monotonic() < deadline, "the API did not start"
        time.sleep(0.005)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def ingested(service: DeskService) -> DeskService:
    ingest(service)
    return service


class RecordingStore(FolderOrgStore):
    """The folder store, with every receipt written and every payload fetched noted in
    `events` (in order): what the service did to the store, as the store saw it."""

    def __init__(self, root: Path, events: list[tuple[str, str]]) -> None:
        super().__init__(root)
        self.events = events

    def get(self, key: str, limit: int | None = None) -> bytes | None:
        if key.endswith(".age") and not key.startswith("receipts/"):
            self.events.append(("fetched", key))
        return super().get(key, limit)

    def put_new(self, key: str, data: bytes, retain_until: Any = None) -> bool:
        done = super().put_new(key, data, retain_until)
        if done and key.startswith("receipts/"):
            self.events.append(("receipt stored", key))
        return done


def first_bytes_noted(events: list[tuple[str, str]]) -> Any:
    """An ASGI layer noting when each successful response sends its first body byte."""

    def wrap(app: Any) -> Any:
        async def noted(scope: Any, receive: Any, send: Any) -> None:
            sent, status = False, 0

            async def sending(message: Any) -> None:
                nonlocal sent, status
                if message["type"] == "http.response.start":
                    status = message["status"]
                body = message["type"] == "http.response.body" and message.get("body")
                if body and status == 200 and not sent:
                    sent = True
                    events.append(("first byte sent", scope["path"]))
                await send(message)

            await app(scope, receive, sending)

        return noted

    return wrap


def rep_sees(world: ServiceWorld, tmp_path: Path, identity: Any) -> Any:
    """What alice's companion verifies of her receipts (its own audit store and book)."""
    from companion.app.sync.access_receipts import fetch_receipts
    from companion.edges.store.database import open_store

    policy = parse_policy(world.policy_file.read_bytes(), "policy.toml")
    db = open_store(tmp_path / "alice.db")
    return fetch_receipts(
        FolderOrgStore(world.store_dir), identity, policy, "alice", tmp_path / "book.json", db
    )
