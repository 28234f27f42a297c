"""The service's configuration file (`desk.toml`), read once at start.

    [service]
    database = "/var/lib/rep-companion-desk/desk.db"   # or postgresql://user@host/db
    secrets = "/etc/rep-companion-desk/secrets.json"   # the custodian's file, mode 0600
    policy = "/etc/rep-companion-desk/policy.toml"     # the organisation's signed policy
    organisation_key = "/etc/rep-companion-desk/organisation-key.pem"  # checks its signature
    listen = "127.0.0.1:8765"
    require_device_signature = true                # unsigned packages are quarantined

    [store]                                        # a folder ...
    folder = "/srv/organisation-store"
    # ... or a bucket (credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)
    # bucket = "org-calls"; endpoint = "https://s3.example"; region = "eu-central-1"
    # prefix = ""

Relative paths are relative to the file's folder.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from companion.core.errors import UserFacingError
from companion.core.policy.model import Policy
from companion.edges.sync.org_store import FolderOrgStore, OrgStore


class DeskConfigError(UserFacingError):
    """The service's configuration cannot be used; the message names the setting."""


@dataclass(frozen=True)
class DeskConfig:
    database: str
    secrets: Path
    policy: Path
    organisation_key: Path | None
    listen: str
    store: dict[str, str]
    require_signed: bool = True

    @classmethod
    def load(cls, path: Path) -> DeskConfig:
        try:
            data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise DeskConfigError(
                f"The desk's configuration {path} cannot be read: {error}"
            ) from error
        base = path.resolve().parent
        service, store = data.get("service", {}), data.get("store", {})

        def where(name: str, required: bool = True) -> Path | None:
            value = service.get(name)
            if value is None:
                if required:
                    raise DeskConfigError(f"{path}: [service] has no `{name}`.")
                return None
            return (base / str(value)).resolve()

        database = str(service.get("database", "desk.db"))
        if "://" not in database:
            database = str((base / database).resolve())
        if "folder" in store:
            store = {**store, "folder": str((base / store["folder"]).resolve())}
        elif "bucket" not in store:
            raise DeskConfigError(f"{path}: [store] names neither a `folder` nor a `bucket`.")
        secrets, policy = where("secrets"), where("policy")
        assert secrets is not None and policy is not None
        return cls(
            database,
            secrets,
            policy,
            where("organisation_key", required=False),
            str(service.get("listen", "127.0.0.1:8765")),
            {k: str(v) for k, v in store.items()},
            bool(service.get("require_device_signature", True)),
        )

    def open_store(self) -> OrgStore:
        if "folder" in self.store:
            return FolderOrgStore(Path(self.store["folder"]))
        from companion.edges.sync.org_s3 import S3OrgStore
        from companion.edges.sync.s3_connection import S3Credentials
        from companion.edges.sync.s3_target import S3Target

        def credentials() -> S3Credentials:
            return S3Credentials(
                os.environ.get("AWS_ACCESS_KEY_ID", ""),
                os.environ.get("AWS_SECRET_ACCESS_KEY", ""),
                os.environ.get("AWS_SESSION_TOKEN"),
            )

        target = S3Target(
            self.store["bucket"],
            self.store.get("endpoint"),
            self.store.get("region", "us-east-1"),
            credentials,
            prefix=self.store.get("prefix", ""),
        )
        return S3OrgStore(target)

    def load_policy(self) -> Policy:
        from companion.edges.policy.files import check_policy_file

        active = check_policy_file(self.policy, self.organisation_key)
        if active.policy is None:
            raise DeskConfigError(
                f"The desk's policy cannot be used: {active.error}",
                "Give the service the organisation's signed policy (`policy` in desk.toml).",
            )
        return active.policy
