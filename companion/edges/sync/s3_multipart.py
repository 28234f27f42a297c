"""Multipart uploads that resume per part, with a SHA-256 checksum on every part.

boto3's transfer manager aborts a multipart upload that fails midway, so a cut
connection meant sending a large recording again from its first byte. Here an upload
that fails is left in progress on the server, and the next attempt for the same key
finds it (`ListMultipartUploads` on the key, which names the package and file) and
asks which parts arrived (`ListParts`), then sends only the others.

Servers list more or less: S3 gives each upload's checksum algorithm and each part's
SHA-256; others (moto, SeaweedFS) give no part checksums, and SeaweedFS not even the
upload's algorithm. A stored part counts only if it has this part's size and SHA-256,
or, where none is listed, its MD5 as the ETag; so an upload of other bytes is never
completed with ours. Uploads begun with another checksum algorithm, or with a part
that is not ours, are aborted, and the file starts over in a new upload ("restarted",
logged at INFO with the reason); so does a resumed upload whose completion the server
refuses as not matching our checksums. Parts go up concurrently (a small thread pool;
boto3 clients are thread-safe).

Uploads that are never resumed (a call deleted on the laptop before its retry) stay
until a bucket lifecycle rule (`AbortIncompleteMultipartUpload`, say after 7 days)
removes them: the bucket should have one.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

from companion.edges.sync.package import sha256_hex
from companion.edges.sync.s3_connection import error_code
from companion.edges.sync.targets import SyncError

MAX_PARTS = 10_000  # S3's limit per upload
_NOTHING_TO_RESUME = ("AccessDenied", "NotImplemented", "NoSuchUpload", "MethodNotAllowed")
# A completion refused so: the stored parts cannot be joined under our checksums.
_CANNOT_COMPLETE = (
    "InvalidPart",
    "InvalidRequest",
    "BadDigest",
    "InvalidDigest",
    "InvalidArgument",
)
_VERIFIED_BY = {
    "sha256": "their listed SHA-256 checksums",
    "md5-etag": "size and MD5 ETag (the server lists no part checksums)",
}

log = logging.getLogger(__name__)


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

    `resume` tells what the run did: "new" (nothing to resume), "sha256" or "md5-etag"
    (an upload taken up again, its stored parts verified by their listed SHA-256, or by
    size and MD5 ETag where the server lists no checksum), or "restarted" (uploads of
    the key were there but nothing in them could be verified as ours).
    """

    def __init__(
        self, client: Any, bucket: str, key: str, data: bytes, chunk: int, concurrency: int
    ) -> None:
        self.client, self.bucket, self.key, self.data = client, bucket, key, data
        self.parts = plan_parts(len(data), chunk)
        self.concurrency = max(1, concurrency)
        self._checksums: list[str | None] = [None] * len(self.parts)
        self.resumed: str | None = None  # the upload id taken up again, if any
        self.resume = "new"
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
        from botocore.exceptions import ClientError

        with ThreadPoolExecutor(
            min(self.concurrency, len(self.parts)) + 1, thread_name_prefix="s3-part"
        ) as pool:
            whole = pool.submit(sha256_hex, self.data)
            upload_id, etags = self._upload(pool, create)
            if whole.result() != digest:
                self._abort(upload_id)
                raise SyncError(
                    f"Could not upload {self.key}: the file does not match the SHA-256 its "
                    "package lists; it was not stored."
                )
            try:
                self._complete(upload_id, etags, condition)
            except ClientError as error:
                if self.resumed is None or error_code(error) not in _CANNOT_COMPLETE:
                    raise
                # The parts matched by size and MD5, yet the server will not join them
                # under our checksums (begun by another client): only a new upload can.
                self._restarted(f"the server refused to complete it ({error_code(error)})")
                self._abort(upload_id)
                upload_id = self._create(create)
                self._complete(upload_id, self._send(pool, upload_id, self.parts), condition)
        return composite_sha256([self.checksum(part.number) for part in self.parts])

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

    def _upload(
        self, pool: ThreadPoolExecutor, create: dict[str, Any]
    ) -> tuple[str, dict[int, str]]:
        """The upload (resumed, else new) with every part stored: its id and the ETags."""
        upload_id, stored = self._resumable()
        if upload_id is None:
            upload_id = self._create(create)
        else:
            self.resumed = upload_id
        missing = [part for part in self.parts if part.number not in stored]
        return upload_id, stored | self._send(pool, upload_id, missing)

    def _create(self, create: dict[str, Any]) -> str:
        answer = self.client.create_multipart_upload(
            Bucket=self.bucket, Key=self.key, ChecksumAlgorithm="SHA256", **create
        )
        upload_id = str(answer["UploadId"])
        self.resumed = None
        if answer.get("ResponseMetadata", {}).get("RetryAttempts"):
            # An earlier try may have created an upload whose answer was lost.
            for other in self._uploads():
                if other["UploadId"] != upload_id:
                    self._abort(other["UploadId"])
        return upload_id

    def _complete(self, upload_id: str, etags: dict[int, str], condition: dict[str, str]) -> None:
        listed = [
            {
                "PartNumber": part.number,
                "ETag": etags[part.number],
                "ChecksumSHA256": self.checksum(part.number),
            }
            for part in self.parts
        ]
        self.client.complete_multipart_upload(
            Bucket=self.bucket,
            Key=self.key,
            UploadId=upload_id,
            MultipartUpload={"Parts": listed},
            **condition,
        )

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
                log.info(
                    "Cannot look for a cut upload of %s to resume (%s): sending all of it.",
                    self.key,
                    error_code(error),
                )
                return None, {}
            raise
        best: _Stored | None = None
        reasons: list[str] = []
        for upload in uploads:
            stored = self._stored_parts(upload)
            if stored.etags and (best is None or len(stored.etags) > len(best.etags)):
                if best is not None:
                    self._abort(best.upload_id)
                best = stored
            else:
                reasons.append(stored.by)
                self._abort(stored.upload_id)
        if best is None:
            if reasons:
                self._restarted("; ".join(sorted(set(reasons))))
            return None, {}
        self.resume = best.by
        log.info(
            "Resuming the upload of %s: %d of %d parts stored, verified by %s; sending %d.",
            self.key,
            len(best.etags),
            len(self.parts),
            _VERIFIED_BY[best.by],
            len(self.parts) - len(best.etags),
        )
        return best.upload_id, best.etags

    def _restarted(self, why: str) -> None:
        self.resume = "restarted"
        log.info("Sending %s again from its first part: %s.", self.key, why)

    def _stored_parts(self, upload: dict[str, Any]) -> _Stored:
        """The upload's parts by number (ETags), or none and why, if any is not ours."""
        from botocore.exceptions import ClientError

        upload_id = str(upload["UploadId"])
        algorithm = upload.get("ChecksumAlgorithm")
        if algorithm not in (None, "", "SHA256"):  # SeaweedFS lists none, for any upload
            return _Stored(upload_id, {}, f"an upload was begun with {algorithm} checksums")
        stored: dict[int, str] = {}
        kinds: set[str] = set()
        try:
            paginator = self.client.get_paginator("list_parts")
            for page in paginator.paginate(Bucket=self.bucket, Key=self.key, UploadId=upload_id):
                for listed in page.get("Parts", []):
                    number = int(listed["PartNumber"])
                    kind = self._same(listed, number) if 1 <= number <= len(self.parts) else None
                    if kind is None:
                        return _Stored(upload_id, {}, f"an upload's part {number} is not ours")
                    kinds.add(kind)
                    stored[number] = str(listed["ETag"])
        except ClientError as error:
            if error_code(error) in _NOTHING_TO_RESUME:
                return _Stored(
                    upload_id, {}, f"an upload's parts cannot be listed ({error_code(error)})"
                )
            raise
        if not stored:
            return _Stored(upload_id, {}, "an upload held no part")
        return _Stored(upload_id, stored, "md5-etag" if "md5-etag" in kinds else "sha256")

    def _same(self, listed: dict[str, Any], number: int) -> str | None:
        """How a listed part was found to be this one ("sha256", "md5-etag"), or None."""
        part = self.parts[number - 1]
        if listed.get("Size") != part.size:
            return None
        if listed.get("ChecksumSHA256"):  # real S3 lists each part's checksum
            return "sha256" if listed["ChecksumSHA256"] == self.checksum(number) else None
        chunk = self.data[part.start : part.end]  # servers that do not: the MD5 ETag
        md5 = hashlib.md5(chunk, usedforsecurity=False).hexdigest()
        return "md5-etag" if str(listed.get("ETag", "")).strip('"') == md5 else None

    def _abort(self, upload_id: str) -> None:
        """Best effort: a key without s3:AbortMultipartUpload leaves it to the lifecycle."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=self.key, UploadId=upload_id)
        except (ClientError, BotoCoreError):
            return
        self.aborted.append(upload_id)


@dataclass(frozen=True)
class _Stored:
    """What an in-progress upload holds of ours."""

    upload_id: str
    etags: dict[int, str]  # part number -> ETag, of parts verified as this file's
    by: str  # "sha256" or "md5-etag" when there are any; else why none count
