"""The desk service's admin verbs, run on the server as the service's user:
`service-init`, `serve`, `ingest`, `enrol-device`, `enrol-code`, `fleet`, `rewrap`.
They read the service's configuration file (`desk.toml`, see `desk.edges.config`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def _service_init(args: argparse.Namespace) -> int:
    from companion.desk.edges.config import DeskConfig
    from companion.desk.edges.custodian import create_secrets
    from companion.desk.edges.database import open_database

    config = DeskConfig.load(Path(args.config))
    moved = Path(args.move_identity) if args.move_identity else None
    custodian = create_secrets(config.secrets, moved)
    open_database(config.database)
    print(f"secret file: {config.secrets} (mode 0600; back it up offline)")
    print("for the policy:")
    print(f'  [sync] recipients = ["{custodian.recipient}", <break-glass recipient>]')
    print(f'  [access.service] key = "{custodian.public_key}"')
    return 0


def _ingest(args: argparse.Namespace) -> int:
    from companion.desk.app.compose import open_service
    from companion.desk.app.ingest import ingest

    report = ingest(open_service(Path(args.config)))
    print(f"ingested {report.listed} call(s); {report.resealed} receipt(s) sealed for reps")
    for package_id, reason in sorted(report.quarantined.items()):
        print(f"quarantined {package_id}: {reason}", file=sys.stderr)
    return 0


def _enrol(args: argparse.Namespace) -> int:
    from companion.desk.app.compose import open_service
    from companion.desk.app.devices import enrol_device

    enrol_device(open_service(Path(args.config)), args.rep, args.key, "admin")
    print(f"device enrolled for {args.rep}; its packages are listed from the next ingest")
    return 0


def _enrol_code(args: argparse.Namespace) -> int:
    from companion.desk.app.compose import open_service
    from companion.desk.app.devices import make_code

    service = open_service(Path(args.config))
    code = make_code(service, args.rep, args.team, args.days, args.by)
    team = f" (team {args.team})" if args.team else ""
    print(f"enrolment code for {args.rep}{team}, valid {args.days} day(s), once: {code}")
    print("shown only now; on the rep's laptop: companion enrol CODE --desk <this desk's URL>")
    return 0


def _rewrap(args: argparse.Namespace) -> int:
    from companion.desk.app.compose import open_service
    from companion.desk.edges.rewrap import KINDS, Rewrap, old_identity
    from companion.desk.edges.store_listing import complete_packages

    service = open_service(Path(args.config))
    job = Rewrap(
        service.store,
        service.db,
        service.custodian,
        old_identity(Path(args.old_identity)),
        service.ledger.recipients(None),
        service.clock,
        dry_run=args.dry_run,
    )
    job.check()  # before the listing: a policy still naming the old key stops it at once
    ids = [p for kind in KINDS for p in complete_packages(service.store, kind).ids]
    summary = job.run(ids)
    for package_id, problem in sorted(summary.problems.items()):
        print(f"not re-wrapped {package_id}: {problem}", file=sys.stderr)
    print(summary.line(args.dry_run))
    return 1 if summary.problems else 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from companion.desk.api.app import create_app
    from companion.desk.app.compose import open_service
    from companion.desk.app.ingest import ingest
    from companion.desk.edges.config import DeskConfig
    from companion.desk.web.settings import WebSettings
    from companion.desk.web.site import mount_web

    config = DeskConfig.load(Path(args.config))
    service = open_service(Path(args.config))
    host, _, port = (args.listen or config.listen).rpartition(":")
    app = create_app(service, ingest_every=args.ingest_every)
    mount_web(app, service, WebSettings.load(Path(args.config)))  # its schema checked too
    ingest(service)  # only once every schema is known to be this desk's
    # A stop (systemd, SIGTERM) waits at most 10 s for open streams, then closes them: a
    # client mid-download retries, while a service that never exits blocks its restart.
    uvicorn.run(
        app,
        host=host or "127.0.0.1",
        port=int(port),
        log_level="warning",
        timeout_graceful_shutdown=10,
    )
    return 0


def _fleet(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from companion.desk.app.fleet import behind_on_app, fleet_lines, fleet_view
    from companion.desk.edges.config import DeskConfig

    config = DeskConfig.load(Path(args.config))
    now = datetime.now(UTC)
    store, version = config.open_store(), config.load_policy().version
    rows = behind_on_app(fleet_view(store, version, now, args.silent_days))
    for line in fleet_lines(rows, now):
        print(line)
    attention = sum(1 for row in rows if row.problems)
    print(f"{len(rows)} laptop(s), {attention} need attention", file=sys.stderr)
    return 0


def add_admin_verbs(actions: Any) -> None:
    from companion.desk.web.admin_verbs import add_web_verbs

    add_web_verbs(actions)
    init = actions.add_parser("service-init", help="(admin) the service's keys and database")
    init.add_argument("--config", required=True, help="the service's desk.toml")
    init.add_argument("--move-identity", help="an existing organisation identity to take over")
    init.set_defaults(handler=_service_init)
    serve = actions.add_parser("serve", help="(admin) run the desk service (HTTP JSON API)")
    serve.add_argument("--config", required=True)
    serve.add_argument("--listen", help="host:port (default: the config's)")
    serve.add_argument("--ingest-every", type=float, default=30.0, help="seconds; 0: never")
    serve.set_defaults(handler=_serve)
    ingest = actions.add_parser("ingest", help="(admin) read new packages into the index")
    ingest.add_argument("--config", required=True)
    ingest.set_defaults(handler=_ingest)
    enrol = actions.add_parser("enrol-device", help="(admin) accept a rep's device key")
    enrol.add_argument("--config", required=True)
    enrol.add_argument("--rep", required=True)
    enrol.add_argument("--key", required=True, help="the device's public key (base64)")
    enrol.set_defaults(handler=_enrol)
    code = actions.add_parser(
        "enrol-code", help="(admin) a one-time code that enrols a rep's laptop"
    )
    code.add_argument("--config", required=True)
    code.add_argument("--rep", required=True, help="the rep's id in the organisation")
    code.add_argument("--team", help="the rep's team in the policy's [access.teams]")
    code.add_argument("--days", type=int, default=7, help="valid for this many days")
    code.add_argument("--by", default="admin", help="who makes it (kept with the code)")
    code.set_defaults(handler=_enrol_code)
    rewrap = actions.add_parser(
        "rewrap", help="(admin) re-encrypt packages the old organisation key still reads"
    )
    rewrap.add_argument("--config", required=True)
    rewrap.add_argument("--old-identity", required=True, help="the old age identity's file")
    rewrap.add_argument("--dry-run", action="store_true", help="count, change nothing")
    rewrap.set_defaults(handler=_rewrap)
    fleet = actions.add_parser(
        "fleet", help="(admin) every laptop's last heartbeat: behind, old policy, silent"
    )
    fleet.add_argument("--config", required=True)
    fleet.add_argument(
        "--silent-days", type=int, default=7, help="no heartbeat for this long: silent"
    )
    fleet.set_defaults(handler=_fleet)
