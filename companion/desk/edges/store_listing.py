"""Reading the store for ingest: which packages are complete (one listing, no GET per
package to list), then their index and manifest, fetched side by side."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from companion.desk.edges.rewrap import RECORD
from companion.edges.sync.org_store import FolderOrgStore, OrgStore
from companion.edges.sync.package import INDEX

READERS = 16
T = TypeVar("T")


@dataclass(frozen=True)
class Listing:
    """Complete packages (sorted ids), and which carry a re-wrap record (`desk.edges.rewrap`):
    known from an S3 listing; None for a folder, where looking is as cheap as listing."""

    ids: list[str]
    rewrapped: frozenset[str] | None

    def has_record(self, package_id: str) -> bool:
        return self.rewrapped is None or package_id in self.rewrapped


def complete_packages(store: OrgStore, kind: str = "call-") -> Listing:
    """Package ids with an `index.json` (written last: the commit marker), sorted."""
    if isinstance(store, FolderOrgStore):
        with os.scandir(store.root) as entries:
            names = [e.name for e in entries if e.name.startswith(kind) and e.is_dir()]
        return Listing(sorted(n for n in names if (store.root / n / INDEX).is_file()), None)
    from companion.edges.sync.org_s3 import S3OrgStore

    assert isinstance(store, S3OrgStore)
    target = store.target
    paginator = target.client().get_paginator("list_objects_v2")
    found, records = [], set()
    for page in paginator.paginate(Bucket=target.bucket, Prefix=target.prefix + kind):
        for item in page.get("Contents", []):
            key = item["Key"][len(target.prefix) :]
            if key.count("/") != 1:
                continue
            package_id, name = key.split("/", 1)
            if name == INDEX:
                found.append(package_id)
            elif name == RECORD:
                records.add(package_id)
    return Listing(sorted(found), frozenset(records))


def side_by_side(work: Callable[[str], T], items: Iterable[str], folder: bool) -> Iterator[T]:
    """`work` over `items` in order; threads only where the store is remote."""
    if folder:
        yield from map(work, items)
        return
    with ThreadPoolExecutor(max_workers=READERS) as pool:
        yield from pool.map(work, items)
