"""The `companion` command: the tray app with no verb, admin verbs otherwise."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from companion import __version__
from companion.core.errors import UserFacingError
from companion.edges.paths import AppPaths
from companion.edges.profile_lock import ProfileLock
from companion.edges.speech.engines import ENGINES


def _policy_check(args: argparse.Namespace) -> int:
    from companion.edges.policy.files import check_policy_file

    paths = AppPaths.from_environment()
    key = args.public_key or (paths.organisation_key if paths.organisation_key.exists() else None)
    active = check_policy_file(Path(args.file), key)
    if active.error is not None:
        print(active.error.describe(), file=sys.stderr)
        return 1
    assert active.policy is not None
    signed = ", signature valid" if active.signed else ""
    print(f"{args.file}: policy {active.policy.version} is valid{signed}")
    return 0


def _policy_keygen(args: argparse.Namespace) -> int:
    from companion.edges.policy.signing import generate_keypair

    out = Path(args.out_dir)
    work_tree = _git_work_tree(out)
    if work_tree is not None:
        print(
            f"error: {out} is inside the git work tree {work_tree}: a private key there is one "
            "commit away from being published (choose a folder outside it)",
            file=sys.stderr,
        )
        return 1
    out.mkdir(parents=True, exist_ok=True)
    private, public = out / "organisation-private.pem", out / "organisation-key.pem"
    if private.exists() and not args.force:
        print(f"{private} exists; pass --force to replace it", file=sys.stderr)
        return 1
    generate_keypair(private, public)
    print(f"private key: {private} (keep it secret)\npublic key:  {public} (give it to reps)")
    return 0


def _git_work_tree(folder: Path) -> Path | None:
    """The git work tree holding `folder` (or where it would be made), if any."""
    for candidate in [folder.resolve(), *folder.resolve().parents]:
        if (candidate / ".git").exists():
            return candidate
    return None


def _policy_sign(args: argparse.Namespace) -> int:
    from companion.core.policy.parse import PolicyError
    from companion.edges.policy.files import load_policy
    from companion.edges.policy.signing import sign_policy

    try:
        load_policy(Path(args.file))  # never sign a policy the app would refuse
    except PolicyError as error:
        print(error.describe(), file=sys.stderr)
        return 1
    print(f"signed: {sign_policy(Path(args.file), Path(args.private_key))}")
    return 0


def _policy_verify(args: argparse.Namespace) -> int:
    from companion.edges.policy.signing import SignatureError, verify_policy_file

    try:
        verify_policy_file(Path(args.file), [Path(args.public_key)])
    except (SignatureError, OSError) as error:
        print(f"{args.file}: {error}", file=sys.stderr)
        return 1
    print(f"{args.file}: signature valid")
    return 0


def _audit_verify(_args: argparse.Namespace) -> int:
    from companion.edges.store import audit
    from companion.edges.store.database import open_store

    paths = AppPaths.from_environment()
    with open_store(paths.database)() as db:
        problems = audit.verify(db)
        count = sum(1 for _ in audit.entries(db))
    if problems:
        print(f"audit trail BROKEN: first bad entry: {problems[0]}", file=sys.stderr)
        for problem in problems[1:]:
            print(f"  also: {problem}", file=sys.stderr)
        return 1
    print(f"audit trail intact: {count} entries")
    return 0


def _audit_export(args: argparse.Namespace) -> int:
    from companion.edges.store import audit
    from companion.edges.store.database import open_store

    paths = AppPaths.from_environment()
    with open_store(paths.database)() as db:
        if args.out == "-":
            count = audit.export_jsonl(db, sys.stdout)
        else:
            with open(args.out, "w", encoding="utf-8") as out:
                count = audit.export_jsonl(db, out)
    print(f"exported {count} entries to {args.out}", file=sys.stderr)
    return 0


def _doctor(args: argparse.Namespace) -> int:
    from companion.app.doctor import doctor

    return doctor(AppPaths.from_environment(), verbose=args.verbose)


def _recover(_args: argparse.Namespace) -> int:
    from companion.app.calls.recovery import recover_interrupted
    from companion.app.compose import build_context

    context = build_context()
    lock = ProfileLock(context.paths.data_dir)
    lock.acquire("recovering recordings")  # never touch a segment the app is writing
    try:
        report = recover_interrupted(context.store, context.audio_keys.master_key, context.rep)
    finally:
        lock.release()
    print(report.summary())
    return 1 if report.failed else 0


def _export_notes(args: argparse.Namespace) -> int:
    from companion.app.calls.audio_export import ExportError
    from companion.app.compose import build_context
    from companion.app.library.notes_export import export_notes

    context = build_context()
    out = Path(args.out) if args.out else None
    try:
        document = export_notes(
            context.store, args.call, args.format, out, context.rep, context.active_policy().policy
        )
    except ExportError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if out is None:
        sys.stdout.write(document)
    else:
        print(f"exported notes ({args.format}) to {out}", file=sys.stderr)
    return 0


def _export(args: argparse.Namespace) -> int:
    from companion.app.calls.audio_export import ExportError, export_audio
    from companion.app.compose import build_context

    if args.format:
        return _export_notes(args)
    if args.out:
        print("error: --out goes with --format; --audio names its own file", file=sys.stderr)
        return 2
    context = build_context()
    try:
        seconds = export_audio(
            context.store, args.call, Path(args.audio), context.audio_keys.master_key, context.rep
        )
    except ExportError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"exported {seconds:.1f} s of audio to {args.audio}")
    return 0


def _transcribe(args: argparse.Namespace) -> int:
    from companion.app.transcripts.transcribe_file import transcribe_file
    from companion.core.transcripts.accuracy import word_error_rate
    from companion.core.transcripts.formats import render
    from companion.core.transcripts.redaction import MaskRules
    from companion.edges.paths import AppPaths
    from companion.edges.policy.files import load_active_policy
    from companion.edges.speech.engines import DEFAULT_ENGINE, make_engine

    # The engine and the masking of the policy in force, as the app's transcription uses.
    policy = load_active_policy(AppPaths.from_environment()).policy
    rules = policy.transcription if policy else None
    name = args.engine or (rules.engine if rules else DEFAULT_ENGINE)
    model = args.model or (rules.model_dir if rules else None)
    engine = make_engine(name, model)
    transcript = transcribe_file(
        Path(args.file), engine, MaskRules.from_policy(rules), args.language
    )
    sys.stdout.write(render(transcript, args.format, title=Path(args.file).name))
    if args.reference is not None:
        reference = Path(args.reference)
        said = reference.read_text(encoding="utf-8") if reference.is_file() else args.reference
        heard = " ".join(line.text for line in transcript.lines)
        print(f"WER {word_error_rate(said, heard):.3f}", file=sys.stderr)
    return 0


def _sync(_args: argparse.Namespace) -> int:
    """Exit codes: 0 delivered (or nothing to deliver), 1 some calls failed, 2 no sync
    at all (unusable policy, another sync running), 3 not set up, 4 target unreachable,
    5 the published policy was refused."""
    from companion.app.compose import build_context
    from companion.app.sync.sync_pass import SyncRefused, sync_pass

    try:
        result = sync_pass(
            build_context(),
            print,
            lambda step: (
                print(f"{step.position}/{step.total} {step.call_id}: {step.stage}")
                if step.stage != "uploading"
                else None
            ),
        )
    except SyncRefused as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(result.summary)
    if result.refresh.refused:
        print(f"warning: {result.refresh.message}", file=sys.stderr)
    return result.exit_code()


def _retention_sweep(args: argparse.Namespace) -> int:
    from companion.app.compose import build_context
    from companion.app.retention_sweep import sweep
    from companion.app.sync.org_holds import org_holds
    from companion.edges.sync.sealed_cache import SealedCache

    context = build_context()
    active = context.active_policy()
    if active.policy is None:
        print("error: the policy cannot be used, so nothing is deleted", file=sys.stderr)
        return 1
    lock = ProfileLock(context.paths.data_dir)
    if not args.dry_run:
        lock.acquire("the retention sweep")  # the app sweeps on its own timer
    try:
        report = sweep(
            context.store,
            active.policy,
            context.rep,
            dry_run=args.dry_run,
            holds=org_holds(context.paths.data_dir),
            sealed=SealedCache.in_data(context.paths.data_dir),
        )
    finally:
        lock.release()
    print(f"retention: {report.summary(args.dry_run)}")
    for call_id, account, files in report.deleted:
        print(f"  {call_id[:8]}  {account}  {files} file(s)")
    return 0


def _configure(args: argparse.Namespace) -> int:
    from companion.app.compose import current_rep
    from companion.app.configure import TargetChange, set_target, show, store_s3_credentials
    from companion.edges.managed import load_managed
    from companion.edges.secrets import SecretStore
    from companion.edges.settings import SettingsFile
    from companion.edges.sync.enrolment import load_enrolment

    paths = AppPaths.from_environment()
    managed = load_managed(paths.system_config)
    settings = SettingsFile(paths.settings_file)
    change = TargetChange(args.sync_folder, args.s3_bucket, args.s3_endpoint, args.s3_region)
    if change.asked:
        print(f"sync target saved: {set_target(settings, managed, change)}")
    if args.s3_credentials_from_stdin:
        store_s3_credentials(SecretStore(), sys.stdin.read().splitlines())
        print("S3 credentials stored in the keyring")
    if args.show or not (change.asked or args.s3_credentials_from_stdin):
        enrolled = load_enrolment(paths.config_dir)
        rep = managed.rep(current_rep(), enrolled.rep if enrolled else None)
        show(paths, managed, settings.load(), rep, print, enrolled.desk if enrolled else None)
    return 0


def _enrol(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from companion.app.sync.enrolment import enrol
    from companion.edges.managed import load_managed
    from companion.edges.secrets import SecretStore

    paths = AppPaths.from_environment()
    paths.ensure()
    managed = load_managed(paths.system_config)
    done = enrol(paths.config_dir, SecretStore(), args.code, args.desk, datetime.now(UTC))
    team = f" (team {done.team})" if done.team else ""
    print(f"enrolled: this laptop signs its calls as {done.rep}{team} for the desk at {done.desk}")
    from companion.app.compose import current_rep

    in_force = managed.rep(current_rep(), done.rep)
    if in_force != done.rep:
        print(f"note: IT's managed identity ({in_force}) stays in force on this laptop")
    return 0


def _run_tray(_args: argparse.Namespace) -> int:
    from companion.edges.desktop import NO_DESKTOP, NO_DESKTOP_FIX, no_desktop

    if no_desktop():  # before Qt, which would abort with a plugin message
        print(f"error: {NO_DESKTOP}; {NO_DESKTOP_FIX}.", file=sys.stderr)
        return 2
    from companion.ui.shell.start import run

    return run(AppPaths.from_environment())


EXAMPLES = """examples:
  companion                               start the tray app
  companion doctor                        can this computer record? what to fix
  companion configure                     what is in force, and who set it (IT or you)
  companion enrol CODE --desk URL         enrol this laptop with the organisation's desk
  companion policy check policy.toml      validate a policy before deploying it
  companion sync                          deliver the calls marked ready, once
  companion export 3f2a9c1e --format md   a call's notes (the id as the review shows it)
  companion audit verify                  check the audit trail"""


def _desk(args: argparse.Namespace) -> int:
    """The desk lives in its own house (`companion.desk`), loaded only when asked for."""
    import importlib

    try:
        desk_cli = importlib.import_module("companion.desk.cli")
    except ModuleNotFoundError:
        print("error: the organisation's desk is not part of this installation", file=sys.stderr)
        return 2
    return int(desk_cli.main(args.rest))


def _desk_argv(argv: Sequence[str]) -> list[str] | None:
    """`companion desk ...`: everything after `desk` is the desk's own (even `--help`)."""
    return list(argv[1:]) if argv[:1] == ["desk"] else None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="companion",
        description=(
            "Rep Companion: records calls only with consent. With no command it starts the "
            "tray app (one per profile; a second start brings the first forward)."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.set_defaults(handler=_run_tray)
    verbs = parser.add_subparsers(title="commands", metavar="COMMAND")
    doctor = verbs.add_parser("doctor", help="check this computer can record, and what to fix")
    doctor.add_argument(
        "--verbose", action="store_true", help="also the technical names (for IT and support)"
    )
    doctor.set_defaults(handler=_doctor)

    configure = verbs.add_parser(
        "configure",
        help="scripted set-up: sync target, S3 key into the keyring; show what is in force",
        description="With no option: show what is in force and who set it. Settings IT "
        "manages in /etc/rep-companion/managed.toml cannot be changed here.",
    )
    configure.add_argument("--sync-folder", metavar="DIR", help="deliver calls to this folder")
    configure.add_argument("--s3-bucket", metavar="NAME", help="deliver calls to this bucket")
    configure.add_argument("--s3-endpoint", metavar="URL", help="with --s3-bucket: not AWS")
    configure.add_argument("--s3-region", metavar="REGION", help="with --s3-bucket")
    configure.add_argument(
        "--s3-credentials-from-stdin",
        action="store_true",
        help="read the access key id, the secret key and optionally a session token, one "
        "per line, into the keyring (service 'RepCompanion')",
    )
    configure.add_argument("--show", action="store_true", help="also show what is in force")
    configure.set_defaults(handler=_configure)

    enrol = verbs.add_parser(
        "enrol", help="enrol this laptop with your organisation's desk (a code from IT)"
    )
    enrol.add_argument("code", help="the one-time enrolment code IT gave you")
    enrol.add_argument("--desk", required=True, metavar="URL", help="the desk's address")
    enrol.set_defaults(handler=_enrol)

    policy = verbs.add_parser("policy", help="check, sign and verify policy files")
    policy_verbs = policy.add_subparsers(required=True, metavar="ACTION")
    check = policy_verbs.add_parser("check", help="validate a policy file")
    check.add_argument("file", help="the policy TOML file")
    check.add_argument("--public-key", type=Path, help="also require a valid signature")
    check.set_defaults(handler=_policy_check)
    keygen = policy_verbs.add_parser("keygen", help="make an organisation Ed25519 key pair")
    keygen.add_argument(
        "--out-dir",
        required=True,
        help="folder for organisation-key.pem (public) and organisation-private.pem; "
        "keep the private key out of any git work tree",
    )
    keygen.add_argument("--force", action="store_true", help="overwrite an existing key pair")
    keygen.set_defaults(handler=_policy_keygen)
    sign = policy_verbs.add_parser("sign", help="sign a policy (writes FILE.sig)")
    sign.add_argument("file", help="the policy TOML file")
    sign.add_argument("--private-key", required=True, help="the organisation's private key")
    sign.set_defaults(handler=_policy_sign)
    verify = policy_verbs.add_parser("verify", help="verify a policy's signature")
    verify.add_argument("file", help="the policy TOML file (FILE.sig beside it)")
    verify.add_argument("--public-key", required=True, help="the organisation's public key")
    verify.set_defaults(handler=_policy_verify)

    sync = verbs.add_parser("sync", help="deliver calls marked ready, one pass, then exit")
    sync.add_argument(
        "--once", action="store_true", help="one pass (the default; kept for scripts)"
    )
    sync.set_defaults(handler=_sync)
    retention = verbs.add_parser("retention", help="delete local audio past its window")
    retention_verbs = retention.add_subparsers(required=True, metavar="ACTION")
    sweep_verb = retention_verbs.add_parser("sweep", help="delete expired local audio")
    sweep_verb.add_argument("--dry-run", action="store_true", help="only list what would go")
    sweep_verb.set_defaults(handler=_retention_sweep)
    verbs.add_parser("recover", help="repair recordings left by a crash").set_defaults(
        handler=_recover
    )
    export = verbs.add_parser(
        "export", help="export a call: audio (Ogg Opus) or notes (Markdown, JSON, WebVTT)"
    )
    export.add_argument("call", help="call id, or the start of it")
    what = export.add_mutually_exclusive_group(required=True)
    what.add_argument("--audio", metavar="OUT.opus", help="write the call's audio here")
    what.add_argument(
        "--format", choices=("md", "json", "vtt"), help="export notes and moments in this format"
    )
    export.add_argument("--out", metavar="FILE", help="with --format: file (default: stdout)")
    export.set_defaults(handler=_export)

    transcribe = verbs.add_parser(
        "transcribe", help="transcribe an audio file (WAV, FLAC, Ogg) to check an engine"
    )
    transcribe.add_argument("file", help="stereo: left the rep, right the customer")
    transcribe.add_argument("--engine", choices=ENGINES, help="default: the policy's")
    transcribe.add_argument(
        "--model", metavar="DIR", help="faster-whisper: a model folder (default: the policy's)"
    )
    transcribe.add_argument("--language", help="e.g. en, de (default: detected)")
    transcribe.add_argument(
        "--reference", metavar="TEXT|FILE", help="what was said: prints the word error rate"
    )
    transcribe.add_argument("--format", choices=("text", "vtt", "json", "md"), default="text")
    transcribe.set_defaults(handler=_transcribe)

    audit = verbs.add_parser("audit", help="verify or export the audit trail")
    audit_verbs = audit.add_subparsers(required=True, metavar="ACTION")
    audit_verbs.add_parser("verify", help="check the hash chain").set_defaults(
        handler=_audit_verify
    )
    audit_export = audit_verbs.add_parser("export", help="write the trail as JSON Lines")
    audit_export.add_argument("--out", default="-", help="file, or - for standard output")
    audit_export.set_defaults(handler=_audit_export)
    desk = verbs.add_parser(
        "desk", help="the organisation's review desk (where installed)", add_help=False
    )
    desk.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    desk.set_defaults(handler=_desk)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    desk_argv = _desk_argv(argv)  # argparse's REMAINDER would refuse a leading option
    args = (
        argparse.Namespace(handler=_desk, rest=desk_argv)
        if desk_argv is not None
        else build_parser().parse_args(argv)
    )
    try:
        return int(args.handler(args))
    except UserFacingError as error:  # the environment's fault: one line with the fix
        fix = f" ({error.fix})" if error.fix and error.fix not in error.message else ""
        print(f"error: {error.message}{fix}", file=sys.stderr)
        return 2  # anything else is a bug and keeps its traceback
