"""Reading the store for ingest: which packages are complete (one listing, no GET per
package to list), then their index and manifest, fetched side by side."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from companion.edges.sync.org_store import FolderOrgStore, OrgStore
from companion.edges.sync.package import INDEX

READERS = 16
T = TypeVar("T")


def complete_packages(store: OrgStore, kind: str = "call-") -> list[str]:
    """Package ids with an `index.json` (written last: the commit marker), sorted."""
    if isinstance(store, FolderOrgStore):
        with os.scandir(store.root) as entries:
            names = [e.name for e in entries if e.name.startswith(kind) and e.is_dir()]
        return sorted(n for n in names if (store.root / n / INDEX).is_file())
    from companion.edges.sync.org_s3 import S3OrgStore

    assert isinstance(store, S3OrgStore)
    target = store.target
    paginator = target.client().get_paginator("list_objects_v2")
    found = []
    for page in paginator.paginate(Bucket=target.bucket, Prefix=target.prefix + kind):
        for item in page.get("Contents", []):
            key = item["Key"][len(target.prefix) :]
            if key.endswith("/" + INDEX) and key.count("/") == 1:
                found.append(key.split("/", 1)[0])
    return sorted(found)


def side_by_side(work: Callable[[str], T], items: Iterable[str], folder: bool) -> Iterator[T]:
    """`work` over `items` in order; threads only where the store is remote."""
    if folder:
        yield from map(work, items)
        return
    with ThreadPoolExecutor(max_workers=READERS) as pool:
        yield from pool.map(work, items)
