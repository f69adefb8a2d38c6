"""Admin commands: roles, user removal, policies, keys, stations, profiles, export, audit."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from labeler.cli.commands import SubParsers, _new_passwords, _passwords, command, signed_in
from labeler.cli.output import ExitCode, Output
from labeler.cli.self_test import register as register_self_test
from labeler.core import admin
from labeler.core.export import export_annotations_json
from labeler.core.policy.fields import load_field_policy
from labeler.core.policy.roles import Permission
from labeler.core.profile import (
    MAX_VALID_DAYS,
    FingerprintNotAcceptedError,
    ProfileError,
    check_station_id,
    check_valid_days,
    init_station,
    install_profile,
    station_id,
)
from labeler.core.workspace import known_roles


@command
def _register_role(sub: SubParsers) -> None:
    parser = sub.add_parser("role", help="define custom roles")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    add = actions.add_parser("add", help="add a role made of permissions")
    add.add_argument("name")
    add.add_argument("--permission", action="append", default=[], required=True,
                     help=f"one of: {', '.join(p.value for p in Permission)} (repeatable)")
    add.set_defaults(handler=add_role)


def add_role(arguments: argparse.Namespace, output: Output) -> int:
    with signed_in(arguments) as session:
        admin.add_role(session, arguments.name, arguments.permission)
    output.line(f"added role {arguments.name!r}")
    return ExitCode.OK


@command
def _register_user_admin(sub: SubParsers) -> None:
    parser = sub.add_parser("user-admin", help="one-time passwords and removing users")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    invite = actions.add_parser("invite", help="add a user with a printed one-time password")
    invite.add_argument("name")
    invite.add_argument("--role", required=True)
    invite.add_argument("--team", action="append", default=[])
    invite.set_defaults(handler=invite_user)
    remove = actions.add_parser("remove", help="remove a user and rotate their projects' keys")
    remove.add_argument("name")
    remove.set_defaults(handler=remove_user)
    unlock = actions.add_parser("unlock", help="unlock an account locked after failed sign-ins")
    unlock.add_argument("name")
    unlock.set_defaults(handler=unlock_user)


def invite_user(arguments: argparse.Namespace, output: Output) -> int:
    with signed_in(arguments) as session:
        password = admin.add_user_with_one_time_password(
            session, arguments.name, arguments.role, arguments.team)
    output.line(f"added user {arguments.name!r} as {arguments.role}")
    output.line(f"one-time password (hand it over in person; it must be changed at first "
                f"sign-in): {password}")
    return ExitCode.OK


def remove_user(arguments: argparse.Namespace, output: Output) -> int:
    with signed_in(arguments) as session:
        rotated = admin.remove_user(session, arguments.name)
    output.line(f"removed user {arguments.name!r}; rotated keys of: {', '.join(rotated) or '-'}")
    output.line("work written from now on is closed to them; what they already saw or "
                "copied cannot be taken back")
    return ExitCode.OK


def unlock_user(arguments: argparse.Namespace, output: Output) -> int:
    with signed_in(arguments) as session:
        admin.unlock_account(session, arguments.name)
    output.line(f"unlocked account {arguments.name!r}; its failed sign-ins are cleared")
    return ExitCode.OK


@command
def _register_policy(sub: SubParsers) -> None:
    parser = sub.add_parser("policy", help="change a project's field policy")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    set_policy = actions.add_parser("set", help="replace the policy and re-encrypt the fields")
    set_policy.add_argument("project")
    set_policy.add_argument("file", type=Path)
    set_policy.set_defaults(handler=set_policy_handler)


def set_policy_handler(arguments: argparse.Namespace, output: Output) -> int:
    with signed_in(arguments) as session:
        policy = load_field_policy(arguments.file, known_roles(session.workspace.manifest))
        project_id = session.workspace.project(arguments.project)["id"]
        count = admin.change_field_policy(session, project_id, policy)
    output.line(f"policy of {project_id!r} replaced; {count} field values re-encrypted")
    return ExitCode.OK


@command
def _register_station(sub: SubParsers) -> None:
    parser = sub.add_parser("station", help="this station's id, for profiles made for it")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    init = actions.add_parser("init", help="give the workspace folder a station id and print it")
    init.set_defaults(handler=station_init)


def station_init(arguments: argparse.Namespace, output: Output) -> int:
    output.line(init_station(arguments.workspace))
    return ExitCode.OK


@command
def _register_profile(sub: SubParsers) -> None:
    parser = sub.add_parser("profile", help="export or install a workstation profile")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    export = actions.add_parser("export", help="write a signed, encrypted profile for a station")
    export.add_argument("--station", required=True,
                        help="the target station's id, as 'labeler station init' prints it")
    export.add_argument("--out", type=Path, required=True)
    export.add_argument("--valid-days", type=int, default=30,
                        help=f"days the profile stays valid, 1 to {MAX_VALID_DAYS} "
                             "(default: 30)")
    export.set_defaults(handler=export_profile)
    install = actions.add_parser("install", help="verify and install a profile on this station")
    install.add_argument("file", type=Path)
    install.add_argument("--accept-fingerprint", metavar="FP",
                         help="on a first install: the organisation key fingerprint your "
                              "admin read out")
    install.set_defaults(handler=install_profile_handler)


def export_profile(arguments: argparse.Namespace, output: Output) -> int:
    check_station_id(arguments.station)
    check_valid_days(arguments.valid_days)
    with signed_in(arguments) as session:
        passphrase = _new_passwords(arguments).read_new("Transport passphrase: ")
        version = admin.export_profile(session, station=arguments.station,
                                       passphrase=passphrase, out=arguments.out,
                                       valid_days=arguments.valid_days)
        fingerprint = session.workspace.org_fingerprint()
    output.line(f"profile version {version} for station {arguments.station} written to "
                f"{str(arguments.out)!r}")
    output.line(f"organisation key fingerprint (read it out for a first install): {fingerprint}")
    return ExitCode.OK


def install_profile_handler(arguments: argparse.Namespace, output: Output) -> int:
    data = arguments.file.read_bytes()
    passphrase = _passwords(arguments).read("Transport passphrase: ")
    try:
        header = install_profile(arguments.workspace, data, passphrase,
                                 accepted_fingerprint=arguments.accept_fingerprint)
    except FingerprintNotAcceptedError as error:
        if error.accepted is None:
            raise ProfileError(
                f"first install: the profile's organisation key fingerprint is "
                f"{error.fingerprint}; pass --accept-fingerprint '{error.fingerprint}' "
                "after comparing it with the one your admin read out") from None
        raise
    output.line(f"installed profile version {header.version} on station "
                f"{station_id(arguments.workspace)}; valid until {header.expires}")
    return ExitCode.OK


@command
def _register_export(sub: SubParsers) -> None:
    parser = sub.add_parser("export", help="export a project's annotations as JSON (audited)")
    parser.add_argument("project")
    parser.add_argument("out", type=Path)
    parser.set_defaults(handler=export_handler)


def export_handler(arguments: argparse.Namespace, output: Output) -> int:
    with signed_in(arguments) as session:
        project = session.open_project(arguments.project)
        count = export_annotations_json(project, arguments.out)
    output.line(f"exported {count} annotations to {str(arguments.out)!r}")
    return ExitCode.OK


@command
def _register_audit(sub: SubParsers) -> None:
    parser = sub.add_parser("audit", help="read the audit logs")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    show = actions.add_parser("show", help="print a project's (or the workspace's) audit log")
    show.add_argument("project", nargs="?", help="project; the workspace log if omitted")
    show.set_defaults(handler=show_audit)


def show_audit(arguments: argparse.Namespace, output: Output) -> int:
    with signed_in(arguments) as session:
        if arguments.project:
            entries = session.open_project(arguments.project).read_audit()
        else:
            entries = session.read_workspace_audit()
    for entry in entries:
        details = json.dumps(entry.get("details", {}), sort_keys=True)
        output.line(f"{entry['seq']}\t{entry['at']}\t{entry['user']}\t{entry['action']}\t"
                    f"{entry.get('object', '')}\t{details}")
    return ExitCode.OK


command(register_self_test)
