"""`companion desk ...`: the review desk's verbs, loaded only when `desk` is asked for.

Two kinds of verbs:
- reviewers' and approvers' verbs are clients of the desk service's API, signed with
  the caller's own key from their keyring; no reviewer holds a decryption key;
- admin verbs run on the server beside the service (`serve`, `service-init`, `ingest`,
  `enrol-device`) and read the service's configuration file.

The rep's `companion` command hands `desk ...` here (see `companion.cli`); nothing of the
rep's app is imported, so a laptop without this folder runs the same.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

# The policy's purposes (core.policy.access.Purpose), spelt out: --help loads no pydantic.
PURPOSES = ("coaching", "compliance_check", "investigation", "hr_review")
NO_IDENTITY = (
    "Reviewers no longer hold the organisation's identity: the desk service is its only "
    "holder and every call is read through it, with a receipt first. Give the identity "
    "file to the service's administrator (`companion desk service-init --move-identity "
    "FILE`), delete your copy, and set up with `companion desk setup --reviewer YOU "
    "--server URL`."
)


def _client() -> Any:
    from companion.desk.api.client import DeskClient
    from companion.desk.edges.reviewer_keys import reviewer_keys
    from companion.edges.secrets import SecretStore

    keys = reviewer_keys(SecretStore())
    return DeskClient(keys.server, keys.signer, keys.key)


def _why(args: argparse.Namespace) -> dict[str, Any]:
    return {"purpose": args.purpose, "reason": args.reason or "", "approval": args.approval}


def _setup(args: argparse.Namespace) -> int:
    from companion.core.errors import UserFacingError

    if args.organisation_identity:
        raise UserFacingError(NO_IDENTITY)
    if not (args.reviewer or args.approver) or not args.server:
        raise UserFacingError("Name yourself (--reviewer or --approver) and the --server.")
    from companion.desk.edges.reviewer_keys import set_up
    from companion.edges.secrets import SecretStore

    signer = f"reviewer:{args.reviewer}" if args.reviewer else f"approver:{args.approver}"
    key = Path(args.signing_key) if args.signing_key else None
    public = set_up(SecretStore(), signer, args.server, key)
    print(f"desk set up for {signer}; the policy lists this key for you:\n{public}")
    return 0


def _list(args: argparse.Namespace) -> int:
    calls = _client().get(
        "/calls", rep=args.rep, call_type=args.call_type, since=args.since, limit=args.limit,
        tag=args.tag,
    )  # fmt: skip
    for call in calls:
        audio = "audio" if call["has_audio"] else "notes only"
        facts = (call["package_id"], call["rep"], call["call_type"], call["started_at"], audio)
        print("  ".join(facts))
    print(f"{len(calls)} call(s) your role may see", file=sys.stderr)
    return 0


def _open(args: argparse.Namespace) -> int:
    manifest = _client().post(f"/calls/{args.call}/open", _why(args))
    print(f"{manifest['package_id']}: {manifest['account']} ({manifest['call_type']['label']})")
    print(f"consent: {manifest['consent']['status']}")
    for moment in manifest["moments"]:
        seconds = moment["offset_ms"] // 1000
        label = f"[{moment['tag_label']}] " if moment["tag_label"] else ""
        print(f"  {seconds // 60:02d}:{seconds % 60:02d}  {label}{moment['note']}")
    for key, text in manifest["crm_fields"].items():
        print(f"  {key}: {text}")
    return 0


def _play(args: argparse.Namespace) -> int:
    audio = b"".join(_client().stream(f"/calls/{args.call}/audio", _why(args)))
    if args.out:
        Path(args.out).write_bytes(audio)
        print(f"audio written to {args.out}", file=sys.stderr)
        return 0
    from companion.edges.audio.stream_playback import play_ogg

    seconds = play_ogg(audio, lambda: print("playing", file=sys.stderr, flush=True))
    print(f"played {seconds:.1f} s", file=sys.stderr)
    return 0


def _read(args: argparse.Namespace) -> int:
    sys.stdout.write(_client().post(f"/calls/{args.call}/transcript", _why(args))["vtt"])
    return 0


def _export(args: argparse.Namespace) -> int:
    from companion.core.errors import UserFacingError

    out = Path(args.out)
    if out.exists() and any(out.iterdir()):
        raise UserFacingError(f"{out} is not empty; export into a new folder.")
    files = _client().post(f"/calls/{args.call}/export", _why(args))["files"]
    for name, data in files.items():
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
    print(f"evidence bundle written to {out}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    from companion.desk.app.evidence_verify import verify_bundle

    key = Path(args.organisation_key) if args.organisation_key else None
    problems = verify_bundle(Path(args.bundle), key)
    if problems:
        print(f"{args.bundle}: bundle BROKEN", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(f"{args.bundle}: bundle intact")
    return 0


def _report(args: argparse.Namespace) -> int:
    from datetime import date

    from companion.desk.app.program_report import ProgramReport, Table
    from companion.desk.app.report_html import write_report

    data = _client().get("/report")
    tables = [Table(t["key"], t["title"], tuple(t["columns"]), [tuple(r) for r in t["rows"]])
              for t in data["tables"]]  # fmt: skip
    report = ProgramReport(
        data["organisation"], date.fromisoformat(data["made_on"]), tables, data["facts"]
    )
    print(f"program review written to {write_report(report, Path(args.out))}")
    return 0


def _request(args: argparse.Namespace) -> int:
    calls = [c if c.startswith("call-") else f"call-{c}" for c in args.call]
    body = {"calls": calls, "purpose": args.purpose, "reason": args.reason}
    done = _client().post("/approvals", body)
    print(f"approval {done['id']} requested; an approver decides")
    return 0


def _pending(_args: argparse.Namespace) -> int:
    for item in _client().get("/approvals/pending"):
        calls = ", ".join(item["calls"])
        print(f"{item['id']}  {item['reviewer']}  {item['purpose']}  {calls}  '{item['reason']}'")
    return 0


def _decide(args: argparse.Namespace) -> int:
    body = {"approve": args.verb == "approve", "reason": args.reason, "days": args.days}
    done = _client().post(f"/approvals/{args.id}/decision", body)
    until = f" until {done['expires_at']}" if done["expires_at"] else ""
    print(f"approval {done['id']}: {done['status']}{until}")
    return 0


def _signed_document(args: argparse.Namespace, body: dict[str, Any]) -> str:
    from companion.core.access import signed
    from companion.edges.policy.signing import load_private_key

    approver = _client().signer.partition(":")[2]
    document = signed.sign(body, approver, load_private_key(Path(args.private_key)))
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _hold(args: argparse.Namespace) -> int:
    from datetime import UTC, date, datetime

    body = {
        "kind": "hold",
        "id": args.id,
        "matter": args.matter,
        "calls": [c if c.startswith("call-") else f"call-{c}" for c in args.call or []],
        "accounts": args.account or [],
        "reps": args.rep or [],
        "review_on": date.fromisoformat(args.review_on).isoformat(),
        "placed_at": datetime.now(UTC).isoformat(),
    }
    done = _client().post("/holds/place", {"document": _signed_document(args, body)})
    print(f"legal hold placed: {done['id']} ({done['matter']})")
    return 0


def _release(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    body = {
        "kind": "release",
        "hold": args.hold,
        "reason": args.reason,
        "released_at": datetime.now(UTC).isoformat(),
    }
    _client().post(f"/holds/{args.hold}/release", {"document": _signed_document(args, body)})
    print(f"legal hold released: {args.hold}")
    return 0


def _keygen(args: argparse.Namespace) -> int:
    from companion.core.access.signed import public_key_text
    from companion.edges.policy.signing import generate_keypair, load_private_key

    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    private, public = out / f"{args.name}-private.pem", out / f"{args.name}-key.pem"
    if private.exists():
        print(f"{private} exists; keep it or move it away first", file=sys.stderr)
        return 1
    generate_keypair(private, public)
    print(f"private key: {private} (keep it secret)")
    print(f'for the policy: key = "{public_key_text(load_private_key(private))}"')
    return 0


def _with_purpose(verb: argparse.ArgumentParser) -> None:
    verb.add_argument("call", help="package id (call-...)")
    verb.add_argument("--purpose", required=True, choices=PURPOSES)
    verb.add_argument("--reason", required=True, help="why, in words (shown to the rep)")
    verb.add_argument("--approval", help="for performance purposes: the approval's id")


def build_parser() -> argparse.ArgumentParser:
    from companion.desk.admin import add_admin_verbs

    desk = argparse.ArgumentParser(
        prog="companion desk", description="the review desk: calls, read through the desk service"
    )
    actions = desk.add_subparsers(required=True, metavar="ACTION")
    setup = actions.add_parser("setup", help="your id, signing key and the service's address")
    setup.add_argument("--reviewer", help="your id in the policy's reviewers")
    setup.add_argument("--approver", help="your id in the policy's approvers")
    setup.add_argument("--server", help="the desk service, e.g. https://desk.example")
    setup.add_argument("--signing-key", help="your Ed25519 private key (PEM)")
    setup.add_argument("--organisation-identity", help=argparse.SUPPRESS)
    setup.set_defaults(handler=_setup)
    listing = actions.add_parser("list", help="the calls your role may see")
    listing.add_argument("--rep")
    listing.add_argument("--call-type")
    listing.add_argument("--since", help="ISO date or time")
    listing.add_argument("--limit", type=int, default=100)
    listing.add_argument("--tag", help="calls with a moment of this tag (the policy's key)")
    listing.set_defaults(handler=_list)
    for name, handler, text in (
        ("open", _open, "moments, notes and CRM fields of a call"),
        ("play", _play, "play a call's audio"),
        ("read-transcript", _read, "print a call's transcript"),
    ):
        verb = actions.add_parser(name, help=text)
        _with_purpose(verb)
        if name == "play":
            verb.add_argument("--out", help="write the Ogg Opus audio here instead of playing")
        verb.set_defaults(handler=handler)
    export = actions.add_parser("export", help="a call's evidence bundle (chain of custody)")
    _with_purpose(export)
    export.add_argument("--out", required=True, help="a new folder for the bundle")
    export.set_defaults(handler=_export)
    verify = actions.add_parser("verify", help="check an evidence bundle, offline")
    verify.add_argument("bundle", help="the bundle's folder")
    verify.add_argument("--organisation-key", help="also check the bundled policy's signature")
    verify.set_defaults(handler=_verify)
    report = actions.add_parser("report", help="the program review: HTML with charts, CSVs")
    report.add_argument("--out", required=True, help="a folder for report.html and the CSVs")
    report.set_defaults(handler=_report)
    request = actions.add_parser("request-approval", help="ask for performance use of calls")
    request.add_argument("--call", required=True, action="append", help="a call (repeatable)")
    request.add_argument("--purpose", required=True, choices=PURPOSES[1:])
    request.add_argument("--reason", required=True)
    request.set_defaults(handler=_request)
    _add_approver_verbs(actions)
    add_admin_verbs(actions)
    return desk


def _add_approver_verbs(actions: Any) -> None:
    """What approvers do: keys, decisions on requests, legal holds."""
    keygen = actions.add_parser("keygen", help="an Ed25519 key pair for an approver or reviewer")
    keygen.add_argument("--name", required=True, help="whose key (names the files)")
    keygen.add_argument("--out-dir", required=True, help="a folder outside any git work tree")
    keygen.set_defaults(handler=_keygen)
    actions.add_parser("pending", help="(approvers) open requests").set_defaults(handler=_pending)
    for verb in ("approve", "refuse"):
        decide = actions.add_parser(verb, help=f"(approvers) {verb} a request")
        decide.add_argument("id", help="the request's id (apr-...)")
        decide.add_argument("--reason", required=True)
        decide.add_argument("--days", type=int, default=7, help="valid for this many days")
        decide.set_defaults(handler=_decide, verb=verb)
    hold = actions.add_parser("hold", help="(approvers) place a legal hold")
    hold.add_argument("--private-key", required=True, help="your private key (PEM): signs it")
    hold.add_argument("--id", required=True, help="the hold's id, e.g. hold-2026-003")
    hold.add_argument("--matter", required=True, help="the matter's name")
    hold.add_argument("--call", action="append", help="a call to keep (repeatable)")
    hold.add_argument("--account", action="append", help="every call with this account")
    hold.add_argument("--rep", action="append", help="every call of this rep")
    hold.add_argument("--review-on", required=True, help="when the hold is reviewed (YYYY-MM-DD)")
    hold.set_defaults(handler=_hold)
    release = actions.add_parser("release", help="(approvers) release a legal hold")
    release.add_argument("--private-key", required=True, help="your private key (PEM)")
    release.add_argument("--hold", required=True, help="the hold's id")
    release.add_argument("--reason", required=True, help="why it is released")
    release.set_defaults(handler=_release)


def main(argv: Sequence[str]) -> int:
    """`companion desk ARGV...`; errors the reviewer can act on are one line, exit 2."""
    from companion.core.errors import UserFacingError

    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except UserFacingError as error:
        fix = f" ({error.fix})" if error.fix and error.fix not in error.message else ""
        print(f"error: {error.message}{fix}", file=sys.stderr)
        return 2
