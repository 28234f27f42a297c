"""Multipart uploads that resume per part, with a SHA-256 checksum on every part.

boto3's transfer manager aborts a multipart upload that fails midway, so a cut
connection meant sending a large recording again from its first byte. Here an upload
that fails is left in progress on the server, and the next attempt for the same key
finds it (`ListMultipartUploads` on the key), asks which parts arrived (`ListParts`)
and sends only the others. A stored part counts only if it has this part's size and
SHA-256 (or, where the server lists no checksum, its MD5 ETag), so an upload of other
bytes is never completed with ours; such uploads, and uploads with nothing to resume,
are aborted. Parts go up concurrently (a small thread pool; boto3 clients are
thread-safe).

Uploads that are never resumed (a call deleted on the laptop before its retry) stay
until a bucket lifecycle rule (`AbortIncompleteMultipartUpload`, say after 7 days)
removes them: the bucket should have one.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

from companion.edges.sync.package import sha256_hex
from companion.edges.sync.s3_connection import error_code
from companion.edges.sync.targets import SyncError

MAX_PARTS = 10_000  # S3's limit per upload
_NOTHING_TO_RESUME = ("AccessDenied", "NotImplemented", "NoSuchUpload", "MethodNotAllowed")


@dataclass(frozen=True)
class Part:
    number: int  # 1-based, as S3 counts
    start: int
    end: int

    @property
    def size(self) -> int:
        return self.end - self.start


def plan_parts(size: int, chunk: int) -> list[Part]:
    """Parts of `chunk` bytes (the last one shorter), at most MAX_PARTS of them."""
    chunk = max(chunk, -(-size // MAX_PARTS), 1)
    return [
        Part(number, start, min(start + chunk, size))
        for number, start in enumerate(range(0, size, chunk), start=1)
    ]


def b64_sha256(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


def composite_sha256(checksums: Sequence[str]) -> str:
    """S3's checksum of a multipart object: SHA-256 of the parts' digests, then "-<count>"."""
    joined = b"".join(base64.b64decode(checksum) for checksum in checksums)
    return f"{b64_sha256(joined)}-{len(checksums)}"


class MultipartUpload:
    """One object's multipart upload: resume, send the missing parts, complete.

    `run` raises botocore's errors as they come and aborts nothing it began: a failure
    while parts are sent, or a refused completion, leaves the upload in progress for
    the next attempt. A completion refused with `PreconditionFailed` is the caller's to
    judge by a HEAD (its own retried completion, or another writer).
    """

    def __init__(
        self, client: Any, bucket: str, key: str, data: bytes, chunk: int, concurrency: int
    ) -> None:
        self.client, self.bucket, self.key, self.data = client, bucket, key, data
        self.parts = plan_parts(len(data), chunk)
        self.concurrency = max(1, concurrency)
        self._checksums: list[str | None] = [None] * len(self.parts)
        self.resumed: str | None = None  # the upload id taken up again, if any
        self.sent: list[int] = []  # part numbers sent by this run
        self.aborted: list[str] = []

    def run(self, create: dict[str, Any], condition: dict[str, str], digest: str) -> str:
        """Upload (resuming where possible) and complete; returns the composite checksum.

        `create` holds the object's settings (metadata, tags, lock) for a new upload;
        `condition` is `IfNoneMatch`/`IfMatch` for the completion, so a completion
        retried after its answer was lost cannot make a second version. `digest` is the
        SHA-256 (hex) the object is stored under; it is checked against the bytes while
        the parts go up, and nothing is completed if they differ.
        """
        with ThreadPoolExecutor(
            min(self.concurrency, len(self.parts)) + 1, thread_name_prefix="s3-part"
        ) as pool:
            whole = pool.submit(sha256_hex, self.data)
            upload_id, stored = self._resumable()
            if upload_id is None:
                answer = self.client.create_multipart_upload(
                    Bucket=self.bucket, Key=self.key, ChecksumAlgorithm="SHA256", **create
                )
                upload_id = answer["UploadId"]
                if answer.get("ResponseMetadata", {}).get("RetryAttempts"):
                    # An earlier try may have created an upload whose answer was lost.
                    for other in self._uploads():
                        if other["UploadId"] != upload_id:
                            self._abort(other["UploadId"])
            else:
                self.resumed = upload_id
            missing = [part for part in self.parts if part.number not in stored]
            etags = stored | self._send(pool, upload_id, missing)
            if whole.result() != digest:
                self._abort(upload_id)
                raise SyncError(
                    f"Could not upload {self.key}: the file does not match the SHA-256 its "
                    "package lists; it was not stored."
                )
        checksums = [self.checksum(part.number) for part in self.parts]
        listed = [
            {"PartNumber": part.number, "ETag": etags[part.number], "ChecksumSHA256": checksum}
            for part, checksum in zip(self.parts, checksums, strict=True)
        ]
        self.client.complete_multipart_upload(
            Bucket=self.bucket,
            Key=self.key,
            UploadId=upload_id,
            MultipartUpload={"Parts": listed},
            **condition,
        )
        return composite_sha256(checksums)

    def abort_leftovers(self) -> None:
        """Abort every upload of the key: for when the object is stored and intact."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            uploads = self._uploads()
        except (ClientError, BotoCoreError):
            return
        for upload in uploads:
            self._abort(upload["UploadId"])

    def checksum(self, number: int) -> str:
        """Part `number`'s SHA-256, computed when first needed (in the thread sending it)."""
        known = self._checksums[number - 1]
        if known is None:
            part = self.parts[number - 1]
            known = b64_sha256(self.data[part.start : part.end])  # hashlib releases the GIL
            self._checksums[number - 1] = known
        return known

    def _send(self, pool: ThreadPoolExecutor, upload_id: str, parts: list[Part]) -> dict[int, str]:
        futures: dict[Future[str], Part] = {
            pool.submit(self._send_part, upload_id, part): part for part in parts
        }
        etags: dict[int, str] = {}
        try:
            for future in as_completed(futures):
                etags[futures[future].number] = future.result()
        except BaseException:
            for future in futures:  # the parts already stored stay for the next attempt
                future.cancel()
            raise
        return etags

    def _send_part(self, upload_id: str, part: Part) -> str:
        answer = self.client.upload_part(
            Bucket=self.bucket,
            Key=self.key,
            UploadId=upload_id,
            PartNumber=part.number,
            Body=self.data[part.start : part.end],
            ChecksumAlgorithm="SHA256",
            ChecksumSHA256=self.checksum(part.number),
        )
        self.sent.append(part.number)
        return str(answer["ETag"])

    # -- resuming ------------------------------------------------------------------------
    def _uploads(self) -> list[dict[str, Any]]:
        paginator = self.client.get_paginator("list_multipart_uploads")
        return [
            upload
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self.key)
            for upload in page.get("Uploads", [])
            if upload.get("Key") == self.key
        ]

    def _resumable(self) -> tuple[str | None, dict[int, str]]:
        """The in-progress upload of these bytes with the most parts stored, if any.

        Every other upload of the key (other bytes, other part sizes, nothing stored)
        is aborted: it can never be completed into this object.
        """
        from botocore.exceptions import ClientError

        try:
            uploads = self._uploads()
        except ClientError as error:
            if error_code(error) in _NOTHING_TO_RESUME:  # e.g. no ListBucketMultipartUploads
                return None, {}
            raise
        best: tuple[str, dict[int, str]] | None = None
        for upload in uploads:
            stored = self._stored_parts(upload)
            if stored and (best is None or len(stored) > len(best[1])):
                if best is not None:
                    self._abort(best[0])
                best = (upload["UploadId"], stored)
            else:
                self._abort(upload["UploadId"])
        return best if best is not None else (None, {})

    def _stored_parts(self, upload: dict[str, Any]) -> dict[int, str]:
        """Part number -> ETag of the upload's parts, or {} if any is not ours."""
        from botocore.exceptions import ClientError

        if upload.get("ChecksumAlgorithm") != "SHA256":
            return {}  # completing it needs the checksums it was begun with
        stored: dict[int, str] = {}
        try:
            paginator = self.client.get_paginator("list_parts")
            for page in paginator.paginate(
                Bucket=self.bucket, Key=self.key, UploadId=upload["UploadId"]
            ):
                for listed in page.get("Parts", []):
                    number = int(listed["PartNumber"])
                    if not 1 <= number <= len(self.parts) or not self._same(listed, number):
                        return {}
                    stored[number] = str(listed["ETag"])
        except ClientError as error:
            if error_code(error) in _NOTHING_TO_RESUME:
                return {}
            raise
        return stored

    def _same(self, listed: dict[str, Any], number: int) -> bool:
        part = self.parts[number - 1]
        if listed.get("Size") != part.size:
            return False
        if listed.get("ChecksumSHA256"):  # real S3 lists each part's checksum
            return bool(listed["ChecksumSHA256"] == self.checksum(number))
        chunk = self.data[part.start : part.end]  # servers that do not: the MD5 ETag
        return (
            str(listed.get("ETag", "")).strip('"')
            == hashlib.md5(chunk, usedforsecurity=False).hexdigest()
        )

    def _abort(self, upload_id: str) -> None:
        """Best effort: a key without s3:AbortMultipartUpload leaves it to the lifecycle."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=self.key, UploadId=upload_id)
        except (ClientError, BotoCoreError):
            return
        self.aborted.append(upload_id)
