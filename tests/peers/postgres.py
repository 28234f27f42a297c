"""A throw-away PostgreSQL 15 cluster on loopback (the desk's database at scale).

The server refuses to run as root, so the cluster's folder belongs to the `postgres`
user and its programs run as that user (`su`); `fsync=off` is for tests only.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

BIN = Path("/usr/lib/postgresql/15/bin")
PROGRAMS = (str(BIN / "initdb"), str(BIN / "pg_ctl"), "su")


@dataclass(frozen=True)
class PostgresPeer:
    root: Path
    port: int

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://desk@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh, empty database; its URL."""
        import psycopg

        name = f"desk_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=desk dbname=postgres", autocommit=True
        ) as connection:
            connection.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def _ctl(self, *args: str) -> None:
        command = " ".join([str(BIN / "pg_ctl"), "-D", str(self.root / "data"), *args])
        subprocess.run(["su", "postgres", "-s", "/bin/sh", "-c", command], check=True,
                       capture_output=True, timeout=60)  # fmt: skip

    def start(self) -> None:
        # -l: the server's output goes to its log, not to a pipe this process would wait on
        options = f"-k {self.root} -c listen_addresses=127.0.0.1 -p {self.port} -c fsync=off"
        self._ctl("-l", str(self.root / "log"), "-w", "-o", f"'{options}'", "start")

    def restart(self) -> None:
        self._ctl("-m", "fast", "-w", "stop")
        self.start()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def available() -> bool:
    return all(Path(p).exists() or shutil.which(p) for p in PROGRAMS) and os.geteuid() == 0


@contextmanager
def running_postgres() -> Iterator[PostgresPeer]:
    """The cluster lives in a folder of its own under /tmp: pytest's temporary folders are
    root's alone (0700), and the server's user must reach its data folder."""
    root = Path(tempfile.mkdtemp(prefix="desk-postgres-"))
    shutil.chown(root, "postgres")
    port = _free_port()
    peer = PostgresPeer(root, port)
    init = f"{BIN / 'initdb'} -D {root / 'data'} -A trust -U desk --no-sync -E UTF8"
    subprocess.run(["su", "postgres", "-s", "/bin/sh", "-c", init], check=True,
                   capture_output=True, timeout=120)  # fmt: skip
    peer.start()
    try:
        yield peer
    finally:
        peer._ctl("-m", "immediate", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)
