"""The organisation's store in an S3 bucket (see `org_store` for what lives where)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from companion.edges.sync.package import INDEX
from companion.edges.sync.s3_connection import NOT_FOUND, error_code
from companion.edges.sync.s3_target import RACES, S3Target, read_capped

INDEX_READERS = 16  # concurrent GETs when listing: boto3's clients are thread-safe


class S3OrgStore:
    """Objects under the S3 target's bucket and prefix, through its client."""

    def __init__(self, target: S3Target) -> None:
        self.target = target

    def _key(self, key: str) -> str:
        return self.target.prefix + key

    def get(self, key: str, limit: int | None = None) -> bytes | None:
        from botocore.exceptions import ClientError

        try:
            answer = self.target.client().get_object(Bucket=self.target.bucket, Key=self._key(key))
        except ClientError as error:
            if error_code(error) in NOT_FOUND:
                return None
            raise
        if limit is not None:
            return read_capped(answer, key, limit)
        return bytes(answer["Body"].read())

    def _keys(self, prefix: str, delimiter: str | None = None) -> Iterator[str]:
        paginator = self.target.client().get_paginator("list_objects_v2")
        options = {"Delimiter": delimiter} if delimiter else {}
        for page in paginator.paginate(
            Bucket=self.target.bucket, Prefix=self._key(prefix), **options
        ):
            for item in page.get("Contents", []):
                yield item["Key"][len(self.target.prefix) :]

    def names(self, folder: str) -> list[str]:
        start = folder.rstrip("/") + "/"
        return sorted(key[len(start) :] for key in self._keys(start, "/"))

    def folders(self, folder: str) -> list[str]:
        start = self._key(folder.rstrip("/") + "/")
        paginator = self.target.client().get_paginator("list_objects_v2")
        found = []
        for page in paginator.paginate(Bucket=self.target.bucket, Prefix=start, Delimiter="/"):
            found += [p["Prefix"][len(start) :].rstrip("/") for p in page.get("CommonPrefixes", [])]
        return sorted(found)

    def put_new(self, key: str, data: bytes, retain_until: datetime | None = None) -> bool:
        from botocore.exceptions import ClientError

        settings: dict[str, Any] = {}
        mode = self.target.object_lock_mode()
        if mode and retain_until is not None:
            settings = {"ObjectLockMode": mode, "ObjectLockRetainUntilDate": retain_until}
        try:
            self.target.client().put_object(
                Bucket=self.target.bucket,
                Key=self._key(key),
                Body=data,
                IfNoneMatch="*",
                ChecksumAlgorithm="SHA256",  # Object Lock wants the header naming it
                **settings,
            )
        except ClientError as error:
            if error_code(error) in RACES:
                return False
            raise
        return True

    def put(self, key: str, data: bytes, retain_until: datetime | None = None) -> None:
        settings: dict[str, Any] = {}
        mode = self.target.object_lock_mode()
        if mode and retain_until is not None:  # the new version is locked like the first
            settings = {"ObjectLockMode": mode, "ObjectLockRetainUntilDate": retain_until}
        self.target.client().put_object(
            Bucket=self.target.bucket,
            Key=self._key(key),
            Body=data,
            ChecksumAlgorithm="SHA256",
            **settings,
        )

    def package_indexes(self, kind: str = "call-") -> Iterator[dict[str, Any]]:
        """One listing, then the indexes fetched side by side (one GET each: S3 has no
        way to read many objects in one request); in listing order."""
        from concurrent.futures import ThreadPoolExecutor

        keys = [key for key in self._keys(kind) if key.endswith("/" + INDEX)]
        with ThreadPoolExecutor(max_workers=INDEX_READERS) as pool:
            for raw in pool.map(self.get, keys):
                if raw is not None:
                    yield json.loads(raw)
