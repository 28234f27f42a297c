"""A real S3 endpoint on loopback: moto's server, driven by boto3 over HTTP.

The S3 tests run against it (in a thread: `running_s3`; the benches start it as a
process of its own: `running_s3_process`) and against SeaweedFS (tests/peers/seaweedfs.py, whose
peer shares this class and lists where it differs).

moto (5.2.x) differs from real S3 in ways the tests must not lean on (see the
testbed README): `get_object_retention` answers 500 (read retention with
`head_object`), a GOVERNANCE retention can be shortened, and lock headers on
multipart uploads are ignored (the target sets retention after each upload anyway).
Conditional writes work as on S3 (`If-None-Match: *` and `If-Match` on PutObject
answer 412; `If-None-Match` on CompleteMultipartUpload too), but a completion ignores
`If-Match`, and completing an upload again answers 200 without a new version. For
multipart uploads moto does not check a part's `x-amz-checksum-sha256`, lists parts
without their checksums (the target falls back to the MD5 ETag), gives every upload
the same `Initiated` date, and answers a HEAD with the composite checksum without
its "-<parts>" suffix.
It accepts any credentials until authentication is switched on through its
`/moto-api/reset-auth` endpoint; `enforced_authentication` does that for a block
and checks keys against IAM users made on the same server.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any, ClassVar

import boto3
from botocore.config import Config

REGION = "us-east-1"
TEST_KEY = ("testing", "testing")  # moto's usual dummy credentials (any are accepted)


@dataclass(frozen=True)
class S3Peer:
    host: str
    port: int
    kind: ClassVar[str] = "moto"  # which server; tests/peers/seaweedfs.py has the other

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def client(self, service: str = "s3", key: tuple[str, str] = TEST_KEY) -> Any:
        return boto3.session.Session().client(
            service,
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id=key[0],
            aws_secret_access_key=key[1],
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
        )

    def make_bucket(self, *, object_lock: bool = True) -> str:
        """A fresh bucket per test (the server lives for the whole session)."""
        name = f"org-calls-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name, ObjectLockEnabledForBucket=object_lock)
        return name

    def user_with_key(self, *, s3_access: bool) -> tuple[str, str]:
        """An IAM user on this server and its key; with or without an s3:* policy."""
        iam = self.client("iam")
        name = f"rep-{uuid.uuid4().hex[:8]}"
        iam.create_user(UserName=name)
        if s3_access:
            document = {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
            }
            iam.put_user_policy(
                UserName=name, PolicyName="sync", PolicyDocument=json.dumps(document)
            )
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return key["AccessKeyId"], key["SecretAccessKey"]

    def _reset_auth(self, count: str) -> None:
        request = urllib.request.Request(
            f"{self.endpoint_url}/moto-api/reset-auth",
            data=count.encode(),
            method="POST",
            headers={"Content-Type": "text/plain"},  # a form type would hide the body from moto
        )
        with urllib.request.urlopen(request, timeout=5) as answer:
            answer.read()

    @contextmanager
    def enforced_authentication(self) -> Iterator[None]:
        """Within the block, moto checks every request's key and signature like AWS does."""
        self._reset_auth("0")
        try:
            yield
        finally:
            self._reset_auth("inf")


@contextmanager
def running_s3() -> Iterator[S3Peer]:
    from moto.server import ThreadedMotoServer  # a dev dependency: import only when used

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield S3Peer(host, port)
    finally:
        server.stop()


@contextmanager
def running_s3_process() -> Iterator[S3Peer]:
    """moto's server as a process of its own, for timings: a store is another machine, and
    in a thread of this process moto would share the measured code's GIL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    # its log in a file, not a pipe: a line per request would fill a pipe and stall moto
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log)
        try:
            _wait_for_port(port, process, log)
            yield S3Peer("127.0.0.1", port)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log: IO[bytes]) -> None:
    deadline = time.monotonic() + 60  # a loaded 2-core machine starts Python slowly
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if process.poll() is not None:
                log.seek(0)
                raise RuntimeError(log.read().decode(errors="replace")) from None
            if time.monotonic() > deadline:
                raise RuntimeError("moto's server did not start in 60 s") from None
            time.sleep(0.1)
