"""Where call packages go: one small interface, a folder and S3-compatible storage.

Every target writes a package's encrypted files first and its `index.json` last, so a
package without `index.json` is incomplete (a crash or a dropped connection) and the
next attempt finishes it; a package whose index is present and matches is complete,
and putting it again changes nothing. Package ids are deterministic per call, so
retried and duplicated uploads all land on one package.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlencode, urlsplit

from companion.secrets import SecretStore, SecretStoreError
from companion.sync.package import INDEX, CallPackage, sha256_hex

POLICY_NAME = "policy/policy.toml"
ACCESS_KEY_SECRET = "s3-access-key-id"
SECRET_KEY_SECRET = "s3-secret-access-key"
SESSION_TOKEN_SECRET = "s3-session-token"
MULTIPART_THRESHOLD = 8 * 1024 * 1024
MULTIPART_CHUNK = 8 * 1024 * 1024


class SyncError(Exception):
    """A package could not be delivered; `str()` is a sentence for the rep."""


@dataclass(frozen=True)
class ConnectionReport:
    ok: bool
    problem: str | None = None
    kind: str = "ok"  # ok, dns, refused, timeout, network, credentials, no_bucket, permission


class SyncTarget(Protocol):
    def put_package(self, package: CallPackage) -> str:
        """Deliver `package` (a no-op if it is already there); returns where it is."""
        ...

    def has_package(self, package_id: str) -> bool:
        """Whether a complete, intact package with this id is at the target."""
        ...

    def test_connection(self) -> ConnectionReport: ...

    def get_policy(self, name: str = POLICY_NAME) -> bytes | None:
        """The organisation's policy file (or its `.sig`) as published at the target."""
        ...


def _index_matches(index: dict[str, Any] | None, package: CallPackage) -> bool:
    return index is not None and index.get("content_digest") == package.content_digest


# -- folder ------------------------------------------------------------------------------


class FolderTarget:
    """Packages as folders `root/<package id>/`, built aside and renamed into place.

    The package is written into `root/.incoming/<id>.partial/` (the same file system,
    so the final `os.replace` is atomic) with every file flushed to disk, and only then
    renamed to `root/<id>/`: a reader never sees a half-written package.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.incoming = self.root / ".incoming"

    def put_package(self, package: CallPackage) -> str:
        final = self.root / package.package_id
        if self.has_package(package.package_id) and _index_matches(
            self._index(package.package_id), package
        ):
            return str(final)
        try:
            self.incoming.mkdir(parents=True, exist_ok=True)
            partial = self.incoming / f"{package.package_id}.partial"
            if partial.exists():
                shutil.rmtree(partial)  # left by an interrupted attempt
            partial.mkdir()
            for name, data in sorted(package.files.items()):
                _write_synced(partial / name, data)
            _write_synced(partial / INDEX, package.index_bytes)  # last: the commit marker
            _fsync_dir(partial)
            retired = None
            if final.exists():  # an incomplete or older revision of this call's package
                retired = self.incoming / f"{package.package_id}.old-{uuid.uuid4().hex}"
                os.replace(final, retired)
            os.replace(partial, final)
            _fsync_dir(self.root)
            if retired is not None:
                shutil.rmtree(retired)
        except OSError as error:
            raise SyncError(f"Could not write the package to {self.root}: {error}") from error
        return str(final)

    def has_package(self, package_id: str) -> bool:
        folder = self.root / package_id
        index = self._index(package_id)
        if index is None:
            return False
        for name, expected in index.get("files", {}).items():
            path = folder / name
            try:
                data = path.read_bytes()
            except OSError:
                return False
            if len(data) != expected["size"] or sha256_hex(data) != expected["sha256"]:
                return False
        return True

    def _index(self, package_id: str) -> dict[str, Any] | None:
        try:
            return json.loads((self.root / package_id / INDEX).read_bytes())
        except (OSError, ValueError):
            return None

    def test_connection(self) -> ConnectionReport:
        if not self.root.is_dir():
            return ConnectionReport(
                False,
                f"The sync folder {self.root} does not exist (is the drive mounted?).",
                "no_bucket",
            )
        try:
            self.incoming.mkdir(exist_ok=True)
            probe = self.incoming / f"probe-{uuid.uuid4().hex}"
            probe.write_bytes(b"probe")
            probe.unlink()
        except OSError as error:
            return ConnectionReport(
                False,
                f"Rep Companion cannot write to the sync folder {self.root}: {error}.",
                "permission",
            )
        return ConnectionReport(True)

    def get_policy(self, name: str = POLICY_NAME) -> bytes | None:
        try:
            return (self.root / name).read_bytes()
        except FileNotFoundError:
            return None


def _write_synced(path: Path, data: bytes) -> None:
    with path.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# -- S3 ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class S3Credentials:
    access_key_id: str
    secret_access_key: str
    session_token: str | None = None

    def __repr__(self) -> str:  # never print a secret into a log
        return f"S3Credentials(access_key_id={self.access_key_id!r}, secret_access_key=***)"


def credentials_from_secrets(secrets: SecretStore) -> Callable[[], S3Credentials]:
    """Credentials read from the OS keyring when needed (never from a settings file)."""

    def read() -> S3Credentials:
        try:
            key_id = secrets.get(ACCESS_KEY_SECRET)
            secret = secrets.get(SECRET_KEY_SECRET)
            token = secrets.get(SESSION_TOKEN_SECRET)
        except SecretStoreError as error:
            raise SyncError(f"{error} {error.fix}") from error
        if not key_id or not secret:
            raise SyncError(
                "No S3 access key is stored in the keyring; enter it in Settings > Sync."
            )
        return S3Credentials(key_id, secret, token or None)

    return read


_CLIENT_PROBLEMS = {
    "NoSuchBucket": (
        "no_bucket",
        "The bucket '{bucket}' does not exist on the storage server; check its name.",
    ),
    "InvalidAccessKeyId": (
        "credentials",
        "The storage server does not know this access key; check the key in Settings > Sync.",
    ),
    "SignatureDoesNotMatch": (
        "credentials",
        "The secret key does not match the access key; re-enter it in Settings > Sync.",
    ),
    "InvalidClientTokenId": (
        "credentials",
        "The storage server does not know this access key; check the key in Settings > Sync.",
    ),
    "ExpiredToken": ("credentials", "The storage credentials have expired; renew them."),
    "AccessDenied": (
        "permission",
        "The storage server refused access: this key may not use the bucket '{bucket}'; "
        "ask your administrator for list, read and write permission.",
    ),
    "AllAccessDisabled": (
        "permission",
        "All access to the bucket '{bucket}' is disabled; ask your administrator.",
    ),
}


class S3Target:
    """Packages as objects `<prefix><package id>/<file>` in an S3-compatible bucket.

    Each file is uploaded with boto3's transfer manager (multipart above 8 MB) and a
    SHA-256 checksum the server verifies, carries tags (rep, call type, use) and, where
    the bucket has Object Lock, a retention until the package's retain-until date (and
    a legal hold where the policy has one). `index.json` is written last. A retry resumes
    per file: a file already stored with the same SHA-256 is not sent again.

    Permissions the key needs: s3:ListBucket (on the prefix; without it S3 answers a
    missing object with 403, not 404), s3:GetObject, s3:PutObject, s3:PutObjectTagging,
    s3:PutObjectRetention, s3:PutObjectLegalHold, s3:GetBucketObjectLockConfiguration.
    """

    def __init__(
        self,
        bucket: str,
        endpoint_url: str | None,
        region: str,
        credentials: Callable[[], S3Credentials],
        *,
        prefix: str = "",
        lock_mode: str | None = None,
        max_attempts: int = 8,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        multipart_threshold: int = MULTIPART_THRESHOLD,
        multipart_chunk: int = MULTIPART_CHUNK,
    ) -> None:
        self.bucket = bucket
        self.endpoint_url = endpoint_url
        self.region = region
        self._credentials = credentials
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self._lock_mode_override = lock_mode
        self._max_attempts = max_attempts
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._multipart = (multipart_threshold, multipart_chunk)
        self._client_cache: Any = None
        self._lock_checked = False
        self._lock_mode: str | None = None

    # -- plumbing ----------------------------------------------------------------------
    def _client(self) -> Any:
        if self._client_cache is None:
            import boto3  # only when a sync target is used: boto3 costs start-up time
            from botocore.config import Config

            creds = self._credentials()
            config = Config(
                retries={"max_attempts": self._max_attempts, "mode": "standard"},
                connect_timeout=self._connect_timeout,
                read_timeout=self._read_timeout,
                s3={"addressing_style": "path" if self.endpoint_url else "auto"},
                request_checksum_calculation="when_supported",
            )
            self._client_cache = boto3.session.Session().client(
                "s3",
                endpoint_url=self.endpoint_url,
                region_name=self.region,
                aws_access_key_id=creds.access_key_id,
                aws_secret_access_key=creds.secret_access_key,
                aws_session_token=creds.session_token,
                config=config,
            )
        return self._client_cache

    def _key(self, package_id: str, name: str) -> str:
        return f"{self.prefix}{package_id}/{name}"

    def location(self, package_id: str) -> str:
        return f"s3://{self.bucket}/{self.prefix}{package_id}/"

    def _sync_error(self, error: Exception, action: str) -> SyncError:
        from botocore.exceptions import ClientError

        if isinstance(error, ClientError):
            code = error.response.get("Error", {}).get("Code", "")
            if code in _CLIENT_PROBLEMS:
                text = _CLIENT_PROBLEMS[code][1].format(bucket=self.bucket)
                return SyncError(f"Could not {action}: {text}")
            return SyncError(f"Could not {action}: the storage server answered {code}.")
        return SyncError(f"Could not {action}: {error}")

    def object_lock_mode(self) -> str | None:
        """GOVERNANCE or COMPLIANCE when the bucket has Object Lock, else None."""
        if self._lock_checked:
            return self._lock_mode
        from botocore.exceptions import ClientError

        try:
            answer = self._client().get_object_lock_configuration(Bucket=self.bucket)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code not in (
                "ObjectLockConfigurationNotFoundError",
                "NoSuchObjectLockConfiguration",
            ):
                raise
            answer = {}
        config = answer.get("ObjectLockConfiguration", {})
        if config.get("ObjectLockEnabled") == "Enabled":
            default = config.get("Rule", {}).get("DefaultRetention", {}).get("Mode")
            self._lock_mode = self._lock_mode_override or default or "GOVERNANCE"
        self._lock_checked = True
        return self._lock_mode

    # -- the interface -----------------------------------------------------------------
    def put_package(self, package: CallPackage) -> str:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            if _index_matches(self._read_index(package.package_id), package) and self.has_package(
                package.package_id
            ):
                return self.location(package.package_id)
            mode = self.object_lock_mode()
            for name, data in sorted(package.files.items()):
                self._put_file(package, name, data, mode)
            self._put_file(package, INDEX, package.index_bytes, mode)  # the commit marker
        except (ClientError, BotoCoreError) as error:
            raise self._sync_error(error, f"upload {package.package_id}") from error
        return self.location(package.package_id)

    def _put_file(self, package: CallPackage, name: str, data: bytes, mode: str | None) -> None:
        from boto3.s3.transfer import TransferConfig

        key = self._key(package.package_id, name)
        digest = sha256_hex(data)
        retain = _retain_until(package)
        if not self._stored_as(key, len(data), digest):
            extra: dict[str, Any] = {
                "ChecksumAlgorithm": "SHA256",
                "Metadata": {"sha256": digest},
                "Tagging": urlencode(package.tags),
                "ContentType": "application/json" if name == INDEX else "application/age",
            }
            if mode and retain:  # atomic with the write on real S3; set again below
                extra |= {"ObjectLockMode": mode, "ObjectLockRetainUntilDate": retain}
            threshold, chunk = self._multipart
            config = TransferConfig(
                multipart_threshold=threshold, multipart_chunksize=chunk, max_concurrency=4
            )
            self._client().upload_fileobj(
                io.BytesIO(data), self.bucket, key, ExtraArgs=extra, Config=config
            )
        if mode:
            self._protect(key, package, mode, retain)

    def _protect(self, key: str, package: CallPackage, mode: str, retain: datetime | None) -> None:
        client = self._client()
        if retain is not None:
            client.put_object_retention(
                Bucket=self.bucket,
                Key=key,
                Retention={"Mode": mode, "RetainUntilDate": retain},
                ChecksumAlgorithm="SHA256",
            )
        if package.legal_hold:
            client.put_object_legal_hold(
                Bucket=self.bucket, Key=key, LegalHold={"Status": "ON"}, ChecksumAlgorithm="SHA256"
            )

    def _stored_as(self, key: str, size: int, digest: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            head = self._client().head_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return (
            head.get("ContentLength") == size and head.get("Metadata", {}).get("sha256") == digest
        )

    def _read_index(self, package_id: str) -> dict[str, Any] | None:
        from botocore.exceptions import ClientError

        try:
            body = self._client().get_object(Bucket=self.bucket, Key=self._key(package_id, INDEX))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        try:
            return json.loads(body["Body"].read())
        except ValueError:
            return None  # a torn index is no index: the next put rewrites it

    def has_package(self, package_id: str) -> bool:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            index = self._read_index(package_id)
            if index is None:
                return False
            return all(
                self._stored_as(self._key(package_id, name), f["size"], f["sha256"])
                for name, f in index.get("files", {}).items()
            )
        except (ClientError, BotoCoreError) as error:
            raise self._sync_error(error, f"check {package_id}") from error

    def get_policy(self, name: str = POLICY_NAME) -> bytes | None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            answer = self._client().get_object(Bucket=self.bucket, Key=self.prefix + name)
            return answer["Body"].read()
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise self._sync_error(error, "fetch the policy") from error
        except BotoCoreError as error:
            raise self._sync_error(error, "fetch the policy") from error

    def test_connection(self) -> ConnectionReport:
        """Name resolution, then TCP, then an authenticated list: each failure in words."""
        try:
            self._credentials()
        except SyncError as error:
            return ConnectionReport(False, str(error), "credentials")
        host, port = self._host_and_port()
        network = _reach(host, port, self._connect_timeout)
        if network is not None:
            return network
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._client().list_objects_v2(Bucket=self.bucket, MaxKeys=1, Prefix=self.prefix)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code in _CLIENT_PROBLEMS:
                kind, text = _CLIENT_PROBLEMS[code]
                return ConnectionReport(False, text.format(bucket=self.bucket), kind)
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if status == 403:
                text = _CLIENT_PROBLEMS["AccessDenied"][1].format(bucket=self.bucket)
                return ConnectionReport(False, text, "permission")
            return ConnectionReport(
                False, f"The storage server answered with an error ({code or status}).", "other"
            )
        except BotoCoreError as error:
            return ConnectionReport(
                False, f"The storage server could not be used: {error}", "network"
            )
        return ConnectionReport(True)

    def _host_and_port(self) -> tuple[str, int]:
        url = self.endpoint_url or f"https://s3.{self.region}.amazonaws.com"
        parts = urlsplit(url)
        default = 443 if parts.scheme == "https" else 80
        return parts.hostname or "", parts.port or default


def _reach(host: str, port: int, timeout: float) -> ConnectionReport | None:
    where = f"{host}:{port}"
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return ConnectionReport(
            False,
            f"The storage server name '{host}' could not be found (DNS); "
            "check the address and your network.",
            "dns",
        )
    family, kind, proto, _name, address = addresses[0]
    try:
        with socket.socket(family, kind, proto) as probe:
            probe.settimeout(timeout)
            probe.connect(address)
    except ConnectionRefusedError:
        return ConnectionReport(
            False,
            f"The storage server at {where} refused the connection: nothing is listening "
            "there; check the port and that the service is running.",
            "refused",
        )
    except TimeoutError:
        return ConnectionReport(
            False,
            f"The storage server at {where} did not answer within {timeout:g} s; "
            "a firewall may be blocking it.",
            "timeout",
        )
    except OSError as error:
        return ConnectionReport(
            False, f"The storage server at {where} cannot be reached: {error.strerror}.", "network"
        )
    return None


def _retain_until(package: CallPackage) -> datetime | None:
    """The start of the day after the retention date (UTC); None if that has passed."""
    until = datetime.combine(package.retain_until + timedelta(days=1), time(0), tzinfo=UTC)
    return until if until > datetime.now(UTC) else None
