"""The S3 target: packages as objects in an S3-compatible bucket, each version written once."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from companion.edges.sync.package import INDEX, CallPackage, sha256_hex
from companion.edges.sync.s3_connection import (
    NOT_FOUND,
    S3Credentials,
    connection_report,
    error_code,
    sync_error,
)
from companion.edges.sync.s3_multipart import MultipartUpload
from companion.edges.sync.targets import (
    MAX_POLICY_FETCH,
    POLICY_NAME,
    ConnectionReport,
    SyncError,
    TooLarge,
    index_matches,
)

MULTIPART_THRESHOLD = 8 * 1024 * 1024
MULTIPART_CHUNK = 8 * 1024 * 1024
MULTIPART_CONCURRENCY = 4
WRITE_ROUNDS = 3
# A conditional write refused: our own earlier try took effect (its answer was lost and
# botocore sent it again), or another writer got there first. Look, then decide.
RACES = ("PreconditionFailed", "ConditionalRequestConflict", "NoSuchUpload")


class _NotIntact(Exception):
    """A completed multipart object does not hold what was sent."""


class S3Target:
    """Packages as objects `<prefix><package id>/<file>` in an S3-compatible bucket.

    Each file carries a SHA-256 checksum the server verifies (per part for multipart
    uploads, above 8 MB, which resume per part: see `s3_multipart`), its SHA-256 as
    metadata, tags (rep, call type, use) and, where the bucket has Object Lock, a
    retention until the package's retain-until date (and a legal hold where the policy
    has one). `index.json` is written last. A retry resumes per file: a file already
    stored with the same SHA-256 is not sent again.

    Every write is conditional: `If-None-Match: *` where the key was absent, `If-Match:
    <ETag>` where it held other bytes. A request retried after the server acted on it
    (botocore retries inside one call when an answer is lost) is then refused with 412
    instead of storing a second version; the target looks (HEAD) and, finding its own
    bytes, goes on. So a versioned bucket holds one version per file of a package.

    Permissions the key needs: s3:ListBucket (on the prefix; without it S3 answers a
    missing object with 403, not 404), s3:GetObject, s3:PutObject, s3:PutObjectTagging,
    s3:PutObjectRetention, s3:PutObjectLegalHold, s3:GetBucketObjectLockConfiguration;
    for resuming large uploads s3:ListBucketMultipartUploads, s3:ListMultipartUploadParts
    and s3:AbortMultipartUpload (without them a cut upload starts over).
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
        multipart_concurrency: int = MULTIPART_CONCURRENCY,
    ) -> None:
        self.bucket = bucket
        self.endpoint_url = endpoint_url
        self.region = region
        self.credentials = credentials
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.connect_timeout = connect_timeout
        self._lock_mode_override = lock_mode
        self._max_attempts = max_attempts
        self._read_timeout = read_timeout
        self._multipart = (multipart_threshold, multipart_chunk, multipart_concurrency)
        self._client_cache: Any = None
        self._lock_checked = False
        self._lock_mode: str | None = None
        self.last_multipart: MultipartUpload | None = None  # the latest one, of any key

    # -- plumbing ----------------------------------------------------------------------
    def client(self) -> Any:
        """The boto3 S3 client (made on first use: boto3 costs start-up time)."""
        if self._client_cache is None:
            import boto3
            from botocore.config import Config

            creds = self.credentials()
            config = Config(
                retries={"max_attempts": self._max_attempts, "mode": "standard"},
                connect_timeout=self.connect_timeout,
                read_timeout=self._read_timeout,
                s3={"addressing_style": "path" if self.endpoint_url else "auto"},
                request_checksum_calculation="when_supported",
                max_pool_connections=max(10, 2 * self._multipart[2]),
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

    def object_lock_mode(self) -> str | None:
        """GOVERNANCE or COMPLIANCE when the bucket has Object Lock, else None."""
        if self._lock_checked:
            return self._lock_mode
        from botocore.exceptions import ClientError

        try:
            answer = self.client().get_object_lock_configuration(Bucket=self.bucket)
        except ClientError as error:
            if error_code(error) not in (
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

        pid = package.package_id
        try:
            stored = self._listing(pid)
            if INDEX in stored:
                index = self._read_index(pid)
                if (
                    index is not None
                    and index_matches(index, package)
                    and self._files_intact(pid, index, stored)
                ):
                    return self.location(pid)
            mode = self.object_lock_mode()
            for name, data in sorted(package.files.items()):
                self._put_file(package, name, data, mode, listed=name in stored)
            self._put_file(package, INDEX, package.index_bytes, mode, listed=INDEX in stored)
        except (ClientError, BotoCoreError) as error:
            raise sync_error(error, f"upload {package.package_id}", self.bucket) from error
        return self.location(package.package_id)

    def _put_file(
        self, package: CallPackage, name: str, data: bytes, mode: str | None, *, listed: bool = True
    ) -> None:
        """Store `data` at the file's key unless it is there; at most one new version.

        `listed=False`: the package's listing just showed no such key, so the first write
        goes without a HEAD first.
        """
        from botocore.exceptions import ClientError

        key = self._key(package.package_id, name)
        digest = self._digest(package, name, data)
        retain = _retain_until(package)
        settings = self._settings(package, name, digest, mode, retain)
        raced = False
        for round_ in range(WRITE_ROUNDS):
            current = self._head(key) if listed or round_ else None
            if _holds(current, len(data), digest):
                break
            condition = {"IfNoneMatch": "*"} if current is None else {"IfMatch": current["ETag"]}
            try:
                self._write(key, data, digest, settings, condition)
                break
            except ClientError as error:
                if error_code(error) not in RACES:
                    raise
                raced = True
            except _NotIntact:
                pass
        else:
            if not _holds(self._head(key), len(data), digest):
                raise SyncError(
                    f"Could not upload {key}: it kept changing on the storage server while "
                    "it was written; the next sync tries again."
                )
        upload = self.last_multipart
        if raced and upload is not None and upload.key == key:
            upload.abort_leftovers()  # a refused completion leaves its upload in progress
        if mode:
            self._protect(key, package, mode, retain)

    def _digest(self, package: CallPackage, name: str, data: bytes) -> str:
        """The file's SHA-256 (hex): for a multipart upload the one its package lists.

        build_package hashed these bytes already; the multipart upload hashes them again
        while the parts go up (not before) and completes nothing that differs.
        """
        listed = package.index.get("files", {}).get(name, {}) if name != INDEX else {}
        if len(data) >= self._multipart[0] and listed.get("size") == len(data):
            claimed = listed.get("sha256")
            if isinstance(claimed, str) and len(claimed) == 64:
                return claimed
        return sha256_hex(data)

    def _settings(
        self,
        package: CallPackage,
        name: str,
        digest: str,
        mode: str | None,
        retain: datetime | None,
    ) -> dict[str, Any]:
        settings: dict[str, Any] = {
            "Metadata": {"sha256": digest},
            "Tagging": urlencode(package.tags),
            "ContentType": "application/json" if name == INDEX else "application/age",
        }
        if mode and retain:  # atomic with the write on real S3; set again by _protect
            settings |= {"ObjectLockMode": mode, "ObjectLockRetainUntilDate": retain}
        if mode and package.legal_hold:
            settings["ObjectLockLegalHoldStatus"] = "ON"
        return settings

    def _write(
        self,
        key: str,
        data: bytes,
        digest: str,
        settings: dict[str, Any],
        condition: dict[str, str],
    ) -> None:
        threshold, chunk, concurrency = self._multipart
        if len(data) < threshold:
            self.client().put_object(
                Bucket=self.bucket,
                Key=key,
                Body=data,
                ChecksumAlgorithm="SHA256",  # Object Lock wants the header naming it
                ChecksumSHA256=base64.b64encode(bytes.fromhex(digest)).decode("ascii"),
                **settings,
                **condition,
            )
            return
        upload = MultipartUpload(self.client(), self.bucket, key, data, chunk, concurrency)
        self.last_multipart = upload
        composite = upload.run(settings, condition, digest)
        if upload.resumed is None:
            return  # the server checked every part against its checksum, and so the whole
        head = self._head(key, checksum=True)  # an upload begun earlier: its metadata too
        stored_checksum = (head or {}).get("ChecksumSHA256")
        if not _holds(head, len(data), digest) or (
            stored_checksum and stored_checksum.split("-")[0] != composite.split("-")[0]
        ):
            raise _NotIntact(key)  # e.g. a resumed upload begun with other metadata

    def _protect(self, key: str, package: CallPackage, mode: str, retain: datetime | None) -> None:
        client = self.client()
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

    def _head(self, key: str, *, checksum: bool = False) -> dict[str, Any] | None:
        from botocore.exceptions import ClientError

        extra = {"ChecksumMode": "ENABLED"} if checksum else {}
        try:
            return dict(self.client().head_object(Bucket=self.bucket, Key=key, **extra))
        except ClientError as error:
            if error_code(error) in NOT_FOUND:
                return None
            raise

    def _read_index(self, package_id: str) -> dict[str, Any] | None:
        from botocore.exceptions import ClientError

        try:
            body = self.client().get_object(Bucket=self.bucket, Key=self._key(package_id, INDEX))
        except ClientError as error:
            if error_code(error) in NOT_FOUND:
                return None
            raise
        try:
            return json.loads(body["Body"].read())
        except ValueError:
            return None  # a torn index is no index: the next put rewrites it

    def _listing(self, package_id: str) -> dict[str, dict[str, Any]]:
        """The package's stored objects by file name (one request, answered 200 even when
        there are none: a HEAD or GET of each missing key would answer 404, and botocore
        gives no retry quota back for a retried request that ends in 404, so under a
        lossy network its retries would soon stop)."""
        folder = self._key(package_id, "")
        paginator = self.client().get_paginator("list_objects_v2")
        return {
            item["Key"][len(folder) :]: item
            for page in paginator.paginate(Bucket=self.bucket, Prefix=folder)
            for item in page.get("Contents", [])
        }

    def _files_intact(self, package_id: str, index: dict[str, Any], stored: dict[str, Any]) -> bool:
        return all(
            name in stored
            and _holds(self._head(self._key(package_id, name)), f["size"], f["sha256"])
            for name, f in index.get("files", {}).items()
        )

    def has_package(self, package_id: str) -> bool:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            stored = self._listing(package_id)
            if INDEX not in stored:
                return False
            index = self._read_index(package_id)
            return index is not None and self._files_intact(package_id, index, stored)
        except (ClientError, BotoCoreError) as error:
            raise sync_error(error, f"check {package_id}", self.bucket) from error

    def get_policy(self, name: str = POLICY_NAME, limit: int = MAX_POLICY_FETCH) -> bytes | None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            answer = self.client().get_object(Bucket=self.bucket, Key=self.prefix + name)
            return read_capped(answer, name, limit)
        except ClientError as error:
            if error_code(error) in NOT_FOUND:
                return None
            raise sync_error(error, "fetch the policy", self.bucket) from error
        except BotoCoreError as error:
            raise sync_error(error, "fetch the policy", self.bucket) from error

    def test_connection(self) -> ConnectionReport:
        """Name resolution, then TCP, then an authenticated list: each failure in words."""
        return connection_report(self)


def read_capped(answer: dict[str, Any], name: str, limit: int) -> bytes:
    """A GET's body, refused unread when the object is larger than `limit`."""
    body = answer["Body"]
    try:
        if int(answer.get("ContentLength", 0)) > limit:
            raise TooLarge(f"{name} is larger than {limit} bytes")
        data = bytes(body.read(limit + 1))
    finally:
        body.close()
    if len(data) > limit:
        raise TooLarge(f"{name} is larger than {limit} bytes")
    return data


def _holds(head: dict[str, Any] | None, size: int, digest: str) -> bool:
    """Whether a HEAD answer shows the object with these bytes (size and SHA-256)."""
    return (
        head is not None
        and head.get("ContentLength") == size
        and head.get("Metadata", {}).get("sha256") == digest
    )


def _retain_until(package: CallPackage) -> datetime | None:
    """The start of the day after the retention date (UTC); None if that has passed."""
    until = datetime.combine(package.retain_until + timedelta(days=1), time(0), tzinfo=UTC)
    return until if until > datetime.now(UTC) else None
