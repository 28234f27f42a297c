"""The desk service from its configuration file: policy, database, store, custodian.

Only the server that runs `companion desk serve` (or an admin command beside it) opens
this: it reads the custodian's secret file, which no reviewer has.
"""

from __future__ import annotations

from pathlib import Path

from companion.desk.app.service import DeskService
from companion.desk.edges.config import DeskConfig
from companion.desk.edges.custodian import load_secrets
from companion.desk.edges.database import open_database


def open_service(config_file: Path, *, require_signed: bool | None = None) -> DeskService:
    config = DeskConfig.load(config_file)
    return DeskService(
        config.load_policy(),
        open_database(config.database),
        config.open_store(),
        load_secrets(config.secrets),
        require_signed=config.require_signed if require_signed is None else require_signed,
        policy_path=config.policy,
    )
