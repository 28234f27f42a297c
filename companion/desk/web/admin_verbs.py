"""The web desk's admin verbs, run on the server beside the service:
`companion desk account add NAME (--reviewer ID | --approver ID) --config desk.toml`
(the password is asked twice, or read from standard input with `--password-stdin`) and
`companion desk account remove NAME`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def _open(config: str) -> Any:
    from companion.desk.app.compose import open_service
    from companion.desk.web.signin.accounts import Accounts, migrate

    service = open_service(Path(config))
    migrate(service.db.kw["bind"])
    return service, Accounts(service.db)


def _password(args: argparse.Namespace) -> str:
    from companion.core.errors import UserFacingError

    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    import getpass

    first = getpass.getpass("Password (12 characters or more): ")
    if getpass.getpass("Again: ") != first:
        raise UserFacingError("The two passwords differ; nothing was saved.")
    return first


def _add(args: argparse.Namespace) -> int:
    from companion.core.errors import UserFacingError
    from companion.desk.web.signin.people import person_of

    person = f"reviewer:{args.reviewer}" if args.reviewer else f"approver:{args.approver}"
    service, accounts = _open(args.config)
    if person_of(service.policy.access, person) is None:
        raise UserFacingError(
            f"'{person.partition(':')[2]}' is not a {person.partition(':')[0]} in the policy's "
            "[access] (or their role is missing).",
            "Add them to the policy first; the account only says who signs in.",
        )
    accounts.add(args.name, _password(args), person, service.clock())
    print(f"account {args.name} added: signs in as {person}")
    return 0


def _remove(args: argparse.Namespace) -> int:
    _service, accounts = _open(args.config)
    if not accounts.remove(args.name):
        print(f"no account {args.name}", file=sys.stderr)
        return 1
    print(f"account {args.name} removed")
    return 0


def add_web_verbs(actions: Any) -> None:
    account = actions.add_parser("account", help="(admin) the web desk's local accounts")
    verbs = account.add_subparsers(required=True, metavar="VERB")
    add = verbs.add_parser("add", help="a local account for a reviewer or an approver")
    add.add_argument("name", help="the account's name (what they type to sign in)")
    who = add.add_mutually_exclusive_group(required=True)
    who.add_argument("--reviewer", help="signs in as this reviewer of [access.reviewers]")
    who.add_argument("--approver", help="signs in as this approver of [access.approvers]")
    add.add_argument("--config", required=True, help="the service's desk.toml")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add.set_defaults(handler=_add)
    remove = verbs.add_parser("remove", help="remove a local account")
    remove.add_argument("name")
    remove.add_argument("--config", required=True)
    remove.set_defaults(handler=_remove)
