"""The `allo` command."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from allo.errors import AlloError
from allo.settings import Settings
from allo.setup.secrets import ensure_secrets


def _settings(args: argparse.Namespace) -> Settings:
    state_dir: Path | None = args.state_dir
    ensure_secrets(state_dir or Settings().state_dir)
    return Settings.load(state_dir)


def cmd_setup(args: argparse.Namespace) -> int:
    from allo.setup.stack import setup_all

    setup_all(_settings(args), start_asterisk=not args.no_start)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from allo.cli.serve import serve

    return serve(_settings(args))


def cmd_supervise(args: argparse.Namespace) -> int:
    from allo.cli.supervise import supervise

    return supervise(_settings(args))


def cmd_run(args: argparse.Namespace) -> int:
    from allo.cli.run import run_stack

    return run_stack(_settings(args))


def cmd_stop(args: argparse.Namespace) -> int:
    from allo.cli.run import stop_stack
    from allo.cluster.launch import stop_cluster

    settings = _settings(args)
    # `make run-cluster`'s, when one was started from this state dir (docs/scaling.md); then there is no `allo run`
    # stack to stop, and stopping its leftovers would stop the Asterisk named by ALLO_ASTERISK_INSTANCE ("main"),
    # which belongs to another state dir's `make run`.
    if stop_cluster(settings):
        return 0
    return stop_stack(settings)


def cmd_run_cluster(args: argparse.Namespace) -> int:
    from allo.cluster.launch import run_cluster

    return run_cluster(_settings(args))


def cmd_call(args: argparse.Namespace) -> int:
    from allo.cli.call import demo_call

    return demo_call(_settings(args))


def cmd_route(args: argparse.Namespace) -> int:
    from allo.cli.route import route_command

    return route_command(_settings(args), args.at, args.keys, args.caller)


def cmd_codes(args: argparse.Namespace) -> int:
    from allo.cli.route import rotate_command

    return rotate_command(_settings(args), args.sector, args.code)


def cmd_codes_unblock(args: argparse.Namespace) -> int:
    from allo.cli.codes import unblock_command

    return unblock_command(_settings(args))


def cmd_users(args: argparse.Namespace) -> int:
    from allo.auth.roles import Role
    from allo.cli.users import create_command, list_command

    if args.users_command == "list":
        return list_command(_settings(args))
    role = Role.ADMIN if args.users_command == "create-admin" else Role(args.role)
    return create_command(_settings(args), args.username, role, args.password_file,
                          display_name=args.display_name, extension=args.extension)


def cmd_doctor(args: argparse.Namespace) -> int:
    from allo.doctor.run import doctor_command

    # Settings.load, not _settings: a check never generates the secrets it is checking.
    return doctor_command(Settings.load(args.state_dir), args.conf_dir, use_db=not args.no_db,
                          kamailio_cfg=args.kamailio_cfg)


def _add_users(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    users = sub.add_parser("users", help="accounts of the web pages and the API")
    users_sub = users.add_subparsers(dest="users_command", required=True)
    users_sub.add_parser("list", help="every account, its role and last login").set_defaults(func=cmd_users)
    admin = users_sub.add_parser("create-admin", help="create an admin account (prints a generated password)")
    admin.add_argument("--username", default="admin")
    create = users_sub.add_parser("create", help="create an account with another role")
    create.add_argument("--username", required=True)
    create.add_argument("--role", required=True, choices=["ops", "supervisor", "agent"])
    for command in (admin, create):
        command.add_argument("--password-file", type=Path, default=None,
                             help="read the password from this file ('-': stdin); default: generate and print one")
        command.add_argument("--display-name", default="")
        command.add_argument("--extension", default=None, help="PJSIP endpoint (supervisor's softphone, agent)")
        command.set_defaults(func=cmd_users)


def cmd_keys(args: argparse.Namespace) -> int:
    from allo.cli import keys as keys_cli

    settings = _settings(args)
    if args.keys_command == "show":
        return keys_cli.show_command(settings)
    if args.keys_command == "rotate-pseudonym":
        return keys_cli.rotate_pseudonym_command(settings, args.keep)
    if args.keys_command == "drop-previous-pseudonym":
        return keys_cli.drop_previous_pseudonym_command(settings)
    return keys_cli.rotate_callback_command(settings, args.finish)


def _add_keys(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    keys = sub.add_parser("keys", help="pseudonym and callback keys: show fingerprints, rotate (docs/privacy.md)")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    keys_sub.add_parser("show", help="fingerprints of the current and previous keys").set_defaults(func=cmd_keys)
    pseudonym = keys_sub.add_parser("rotate-pseudonym", help="new pseudonym key; the old one still matches lookups")
    pseudonym.add_argument("--keep", type=int, default=1, help="previous keys kept for lookups (default 1)")
    pseudonym.set_defaults(func=cmd_keys)
    keys_sub.add_parser("drop-previous-pseudonym", help="forget the previous pseudonym keys").set_defaults(
        func=cmd_keys)
    callback = keys_sub.add_parser("rotate-callback", help="new callback key (then restart, then --finish)")
    callback.add_argument("--finish", action="store_true",
                          help="re-encrypt open callbacks under the new key and drop the old one")
    callback.set_defaults(func=cmd_keys)


def cmd_retention(args: argparse.Namespace) -> int:
    from allo.records.retention_task import retention_command

    return retention_command(_settings(args), args.dry_run, args.batch)


def _add_retention(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    retention = sub.add_parser("retention", help="erase journeys and recordings past their retention")
    retention_sub = retention.add_subparsers(dest="retention_command", required=True)
    run = retention_sub.add_parser("run", help="erase now what `allo serve` erases daily")
    run.add_argument("--dry-run", action="store_true", help="count what would be erased, erase nothing")
    run.add_argument("--batch", type=int, default=None, help="rows per transaction (default 500)")
    run.set_defaults(func=cmd_retention)


def cmd_knowledge(args: argparse.Namespace) -> int:
    from allo.cli.knowledge import import_command

    return import_command(_settings(args), args.path, partial=args.partial, skip_bad=args.skip_bad,
                          progress=args.progress)


def _add_knowledge(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    knowledge = sub.add_parser("knowledge", help="the answer sheets of service-public.fr (docs/knowledge.md)")
    knowledge_sub = knowledge.add_subparsers(dest="knowledge_command", required=True)
    imp = knowledge_sub.add_parser("import", help="import a folder or zip of the DILA XML (F*.xml, N*.xml)")
    imp.add_argument("path", type=Path, help="folder or zip (vosdroits-latest.zip)")
    imp.add_argument("--partial", action="store_true", help="add and update only: retire nothing")
    imp.add_argument("--skip-bad", action="store_true", help="import the other files when one cannot be parsed")
    imp.add_argument("--progress", action="store_true", help="progress bar on stderr even when not a terminal")
    imp.set_defaults(func=cmd_knowledge)


def cmd_directory(args: argparse.Namespace) -> int:
    from allo.cli.directory import import_command

    return import_command(_settings(args), args.file, partial=args.partial, skip_bad=args.skip_bad,
                          progress=args.progress)


def _add_directory(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    directory = sub.add_parser("directory", help="the directory of public bodies (DILA Annuaire, docs/knowledge.md)")
    directory_sub = directory.add_subparsers(dest="directory_command", required=True)
    load = directory_sub.add_parser("import", help="import the JSON export (or a .zip / .tar.bz2 holding it)")
    load.add_argument("file", type=Path)
    load.add_argument("--partial", action="store_true", help="add and update only: bodies absent are not retired")
    load.add_argument("--skip-bad", action="store_true", help="skip records without id or name and list them")
    load.add_argument("--progress", action="store_true", help="progress bar on stderr even when it is not a TTY")
    load.set_defaults(func=cmd_directory)


def cmd_mail_sink(args: argparse.Namespace) -> int:
    from allo.confirmations.sink import run_sink

    return run_sink(_settings(args), args.port, args.dir)


def _add_mail_sink(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sink = sub.add_parser("mail-sink", help="a local SMTP server that keeps each mail as a .eml file (make run)")
    sink.add_argument("--port", type=int, default=None, help="default: ALLO_SMTP_PORT (8025)")
    sink.add_argument("--dir", type=Path, default=None, help="default: ALLO_MAIL_SINK_DIR or <state dir>/mail")
    sink.set_defaults(func=cmd_mail_sink)


def _add_planning(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from allo.cli import planning as planning_cli
    from allo.cli import planning_rebuild

    planning = sub.add_parser("planning", help="staffing by Erlang C, forecast, best hours to call (docs/planning.md)")
    planning_sub = planning.add_subparsers(dest="planning_command", required=True)
    # One line per subcommand: allo/cli/planning.py adds its parser and sets its func.
    planning_cli.add_erlang(planning_sub)
    planning_rebuild.add_rebuild(planning_sub)


def _add_cluster(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from allo.cli import cluster_size

    cluster_size.add_cluster(sub)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="allo", description="IVR and call routing for the 3939 hotline")
    parser.add_argument("--state-dir", type=Path, default=None, help="default: $ALLO_STATE_DIR or ./.state")
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)
    setup = sub.add_parser("setup", help="set up what is missing: secrets, PostgreSQL, schema, Asterisk, prompts")
    setup.add_argument("--no-start", action="store_true", help="render Asterisk config but do not start it")
    setup.set_defaults(func=cmd_setup)
    sub.add_parser("serve", help="FastAGI server, AMI client and HTTP API").set_defaults(func=cmd_serve)
    sub.add_parser("supervise", help="run `allo serve` and start it again whenever it exits").set_defaults(
        func=cmd_supervise)
    sub.add_parser("run", help="set up, start PostgreSQL and Asterisk, serve; Ctrl-C stops all").set_defaults(
        func=cmd_run)
    sub.add_parser("stop", help="stop what `allo run` or `allo run-cluster` started").set_defaults(func=cmd_stop)
    sub.add_parser("run-cluster", help="the two-node topology on this machine: Kamailio, two Asterisk, two allo, "
                   "PostgreSQL (docs/scaling.md); Ctrl-C or `allo stop` stops all").set_defaults(func=cmd_run_cluster)
    sub.add_parser("call", help="place one SIPp test call to the running stack").set_defaults(func=cmd_call)
    route = sub.add_parser("route", help="simulate a call on the live rules and print where it goes (JSON)")
    route.add_argument("--at", help="ISO date-time; naive = Europe/Paris (default: now)")
    route.add_argument("--keys", default="", help='inputs in order, e.g. "2,1234#,1"')
    route.add_argument("--caller", help="caller number (only its pseudonym is used)")
    route.set_defaults(func=cmd_route)
    codes = sub.add_parser("codes", help="access codes of the specialist service")
    codes_sub = codes.add_subparsers(dest="codes_command", required=True)
    rotate = codes_sub.add_parser("rotate", help="create a new code and retire the previous one")
    rotate.add_argument("--sector", help="a code that leads straight to this sector (default: all sectors)")
    rotate.add_argument("--code", help="the new code (default: 6 random digits)")
    rotate.set_defaults(func=cmd_codes)
    codes_sub.add_parser("unblock", help="a caller held by the wrong-code limit is asked a code again (the number "
                         "is read on standard input)").set_defaults(func=cmd_codes_unblock)
    _add_users(sub)
    doctor = sub.add_parser("doctor", help="check the configuration for the telephony security rules (exit 1 if not)")
    doctor.add_argument("--conf-dir", type=Path, default=None,
                        help="rendered Asterisk configuration to check (default: this instance's, as `allo setup` "
                        "renders it)")
    doctor.add_argument("--no-db", action="store_true", help="do not read the agents table")
    doctor.add_argument("--kamailio-cfg", type=Path, default=None,
                        help="the rendered Kamailio configuration to check (default: the cluster's, when found)")
    doctor.set_defaults(func=cmd_doctor)
    _add_keys(sub)
    _add_retention(sub)
    _add_knowledge(sub)
    _add_directory(sub)
    _add_mail_sink(sub)
    _add_planning(sub)
    _add_cluster(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        code: int = args.func(args)
    except AlloError as exc:
        print(f"allo: {exc}", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
