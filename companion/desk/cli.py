"""`companion desk ...`: the review desk's verbs, loaded only when `desk` is asked for.

The rep's `companion` command hands `desk ...` here (see `companion.cli`); nothing of the
rep's app is imported, so a laptop without this folder runs the same.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

# The policy's purposes (core.policy.access.Purpose), spelt out: --help loads no pydantic.
PURPOSES = ("coaching", "compliance_check", "investigation", "hr_review")


def _desk() -> Any:
    from companion.desk.app.compose import open_desk, open_profile

    return open_desk(open_profile())


def _opening(args: argparse.Namespace) -> Any:
    from companion.core.policy.access import Purpose
    from companion.desk.app.service import Opening

    approval = Path(args.approval).read_bytes() if args.approval else None
    return Opening(Purpose(args.purpose), args.reason or "", approval)


def _setup(args: argparse.Namespace) -> int:
    from companion.desk.app.compose import open_profile
    from companion.desk.app.keys import set_up_desk

    key = set_up_desk(
        open_profile().secrets,
        args.reviewer,
        Path(args.organisation_identity),
        Path(args.signing_key) if args.signing_key else None,
    )
    print(f"desk set up for {args.reviewer}; the policy lists this key for you:\n{key}")
    return 0


def _list(_args: argparse.Namespace) -> int:
    calls = _desk().calls()
    for call in calls:
        audio = "audio" if call.has_audio else "notes only"
        print(f"{call.package_id}  {call.rep}  {call.call_type}  {call.started_at}  {audio}")
    print(f"{len(calls)} call(s) your role may see", file=sys.stderr)
    return 0


def _open(args: argparse.Namespace) -> int:
    manifest = _desk().open(args.call, _opening(args))
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
    from companion.edges.audio.stream_playback import play_ogg

    audio = _desk().play(args.call, _opening(args))
    seconds = play_ogg(audio, lambda: print("playing", file=sys.stderr, flush=True))
    print(f"played {seconds:.1f} s", file=sys.stderr)
    return 0


def _read(args: argparse.Namespace) -> int:
    sys.stdout.write(_desk().read_transcript(args.call, _opening(args)))
    return 0


def _export(args: argparse.Namespace) -> int:
    from companion.desk.app.compose import open_desk, open_profile
    from companion.desk.app.evidence import export_bundle
    from companion.edges.policy.files import policy_path_for

    context = open_profile()
    policy_file = policy_path_for(context.paths)
    out = export_bundle(open_desk(context), args.call, _opening(args), policy_file, Path(args.out))
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


def _fleet(args: argparse.Namespace) -> int:
    from companion.desk.app.compose import open_profile
    from companion.desk.app.fleet import fleet_lines, fleet_view

    profile = open_profile()
    policy = profile.active_policy().policy
    now = profile.clock()
    rows = fleet_view(
        profile.org_store(), policy.version if policy else None, now, args.silent_days
    )
    for line in fleet_lines(rows, now):
        print(line)
    print(f"{len(rows)} laptop(s), {sum(1 for r in rows if r.problems)} need attention",
          file=sys.stderr)  # fmt: skip
    return 0


def _report(args: argparse.Namespace) -> int:
    from companion.desk.app.compose import open_desk, open_profile
    from companion.desk.app.program_report import may_review_program, program_report
    from companion.desk.app.report_html import write_report

    desk = open_desk(open_profile())
    may_review_program(desk.policy.access, desk.keys.reviewer)
    report = program_report(desk.store, desk.keys.identity, desk.policy.organisation, desk.clock)
    print(f"program review written to {write_report(report, Path(args.out))}")
    return 0


def _approve(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime, timedelta

    from companion.core.access import signed
    from companion.edges.policy.signing import load_private_key

    now = datetime.now(UTC)
    body = {
        "kind": "approval",
        "id": args.id,
        "calls": [c if c.startswith("call-") else f"call-{c}" for c in args.call],
        "purpose": args.purpose,
        "reviewer": args.reviewer,
        "issued_at": now.isoformat(),
        "expires_at": (now + timedelta(days=args.days)).isoformat(),
    }
    document = signed.sign(body, args.approver, load_private_key(Path(args.private_key)))
    Path(args.out).write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(f"approval {args.id} written to {args.out}")
    return 0


def _hold(args: argparse.Namespace) -> int:
    from datetime import date

    from companion.desk.app.compose import open_profile
    from companion.desk.app.holds import place_hold

    scope = {"calls": args.call or [], "accounts": args.account or [], "reps": args.rep or []}
    key = place_hold(
        open_profile(),
        approver=args.approver,
        private_key=Path(args.private_key),
        hold_id=args.id,
        matter=args.matter,
        scope=scope,
        review_on=date.fromisoformat(args.review_on),
    )
    print(f"legal hold placed: {key}")
    return 0


def _release(args: argparse.Namespace) -> int:
    from companion.desk.app.compose import open_profile
    from companion.desk.app.holds import release_hold

    key = release_hold(
        open_profile(),
        approver=args.approver,
        private_key=Path(args.private_key),
        hold_id=args.hold,
        reason=args.reason,
    )
    print(f"legal hold released: {key}")
    return 0


def _approver_args(verb: argparse.ArgumentParser) -> None:
    verb.add_argument("--private-key", required=True, help="the approver's private key (PEM)")
    verb.add_argument("--approver", required=True, help="your id in the policy's approvers")


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
    verb.add_argument("call", help="package id (call-...) or the start of the call id")
    verb.add_argument("--purpose", required=True, choices=PURPOSES)
    verb.add_argument("--reason", required=True, help="why, in words (shown to the rep)")
    verb.add_argument("--approval", help="for performance purposes: the signed approval file")


def build_parser() -> argparse.ArgumentParser:
    desk = argparse.ArgumentParser(
        prog="companion desk", description="the review desk: open the organisation's calls"
    )
    actions = desk.add_subparsers(required=True, metavar="ACTION")
    setup = actions.add_parser("setup", help="put this reviewer's keys in the keyring")
    setup.add_argument("--reviewer", required=True, help="your id in the policy's reviewers")
    setup.add_argument("--organisation-identity", required=True, help="the org's age identity")
    setup.add_argument("--signing-key", help="an Ed25519 private key (PEM) to sign with")
    setup.set_defaults(handler=_setup)
    actions.add_parser("list", help="the calls your role may see").set_defaults(handler=_list)
    fleet = actions.add_parser(
        "fleet", help="every laptop's last heartbeat: behind, on an old policy, or silent"
    )
    fleet.add_argument(
        "--silent-days", type=int, default=7, help="no heartbeat for this long: silent"
    )
    fleet.set_defaults(handler=_fleet)
    for name, handler, text in (
        ("open", _open, "moments, notes and CRM fields of a call"),
        ("play", _play, "play a call's audio"),
        ("read-transcript", _read, "print a call's transcript"),
    ):
        verb = actions.add_parser(name, help=text)
        _with_purpose(verb)
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
    _add_approver_verbs(actions)
    return desk


def _add_approver_verbs(actions: Any) -> None:
    """What approvers do: keys, approvals for performance use, legal holds."""
    keygen = actions.add_parser("keygen", help="an Ed25519 key pair for an approver or reviewer")
    keygen.add_argument("--name", required=True, help="whose key (names the files)")
    keygen.add_argument("--out-dir", required=True, help="a folder outside any git work tree")
    keygen.set_defaults(handler=_keygen)
    approve = actions.add_parser("approve", help="(approvers) sign a performance-use approval")
    _approver_args(approve)
    approve.add_argument("--id", required=True, help="the approval's id, e.g. apr-2026-014")
    approve.add_argument("--call", required=True, action="append", help="a call (repeatable)")
    approve.add_argument("--purpose", required=True, choices=PURPOSES[1:])
    approve.add_argument("--reviewer", required=True)
    approve.add_argument("--days", type=int, default=7, help="valid for this many days")
    approve.add_argument("--out", required=True)
    approve.set_defaults(handler=_approve)
    hold = actions.add_parser("hold", help="(approvers) place a legal hold in the store")
    _approver_args(hold)
    hold.add_argument("--id", required=True, help="the hold's id, e.g. hold-2026-003")
    hold.add_argument("--matter", required=True, help="the matter's name")
    hold.add_argument("--call", action="append", help="a call to keep (repeatable)")
    hold.add_argument("--account", action="append", help="every call with this account")
    hold.add_argument("--rep", action="append", help="every call of this rep")
    hold.add_argument("--review-on", required=True, help="when the hold is reviewed (YYYY-MM-DD)")
    hold.set_defaults(handler=_hold)
    release = actions.add_parser("release", help="(approvers) release a legal hold")
    _approver_args(release)
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
