"""The commands of `labeler`, each a small function over the core."""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
import time
from pathlib import Path
from typing import Any, Callable, Iterator

from labeler.cli.output import ExitCode, Output, PasswordSource
from labeler.cli.progress import ProgressPrinter
from labeler.core.errors import ConfigError, LabelerError
from labeler.core.ingest import run_import
from labeler.core.lockout import SignInDelayError
from labeler.core.model.ontology import load_ontology
from labeler.core.policy.fields import load_field_policy
from labeler.core.session import Session
from labeler.core.verify import verify_workspace
from labeler.core.workspace import Workspace, known_roles

logger = logging.getLogger(__name__)

Handler = Callable[[argparse.Namespace, Output], int]
SubParsers = Any
REGISTRY: list[Callable[[SubParsers], None]] = []


def command(register: Callable[[SubParsers], None]) -> Callable[[SubParsers], None]:
    REGISTRY.append(register)
    return register


def _passwords(arguments: argparse.Namespace) -> PasswordSource:
    """Return the one source of current passwords for this command line."""
    if getattr(arguments, "_password_source", None) is None:
        arguments._password_source = PasswordSource(arguments.password_fd,
                                                    arguments.password_env)
    source: PasswordSource = arguments._password_source
    return source


def _new_passwords(arguments: argparse.Namespace) -> PasswordSource:
    """Return the source of new passwords: --new-password-*, else --password-*.

    Sharing works because a descriptor carries one password per line, and a
    variable rejects a second read with an error naming --new-password-env.
    """
    if arguments.new_password_fd is not None or arguments.new_password_env is not None:
        return PasswordSource(arguments.new_password_fd, arguments.new_password_env,
                              option_prefix="--new-password")
    if arguments.password_fd is not None or arguments.password_env is not None:
        return _passwords(arguments)
    return PasswordSource(option_prefix="--new-password")


@contextlib.contextmanager
def signed_in(arguments: argparse.Namespace,
              passwords: PasswordSource | None = None) -> Iterator[Session]:
    """Sign in as --user, and lock the session whatever happens."""
    if not arguments.user:
        raise ConfigError("no user given; pass --user NAME or set LABELER_USER")
    source = passwords or _passwords(arguments)
    password = source.read(f"Password for {arguments.user}: ")
    session = sign_in_waiting(arguments.workspace, arguments.user, password)
    try:
        yield session
    finally:
        session.lock()


def sign_in_waiting(root: Path, user: str, password: str) -> Session:
    """Sign in, first waiting out the delay that earlier failed sign-ins imposed."""
    try:
        return Session.sign_in(root, user, password)
    except SignInDelayError as delay:
        print(f"waiting {max(1, round(delay.seconds))} s after failed sign-ins",
              file=sys.stderr)
        time.sleep(delay.seconds)
        return Session.sign_in(root, user, password)


# -- workspace -----------------------------------------------------------------


@command
def _register_init(sub: SubParsers) -> None:
    parser = sub.add_parser("init", help="create a workspace and its first admin")
    parser.add_argument("--admin", required=True, help="user name of the first admin")
    parser.set_defaults(handler=init_workspace)


def init_workspace(arguments: argparse.Namespace, output: Output) -> int:
    password = _new_passwords(arguments).read_new(f"New password for {arguments.admin}: ")
    session = Session.create_workspace(arguments.workspace, arguments.admin, password)
    output.line(f"created workspace {str(arguments.workspace)!r} with admin {arguments.admin!r}")
    output.line(f"organisation key fingerprint: {session.workspace.org_fingerprint()}")
    session.lock()
    return ExitCode.OK


@command
def _register_verify(sub: SubParsers) -> None:
    parser = sub.add_parser("verify", help="check signatures, stores, chunks and audit chains")
    parser.add_argument("--deep", action="store_true",
                        help="also decrypt every content chunk (reads all content; slow)")
    parser.set_defaults(handler=verify)


def verify(arguments: argparse.Namespace, output: Output) -> int:
    with signed_in(arguments) as session:
        report = verify_workspace(session, deep=arguments.deep)
    for line in report.lines:
        output.line(line)
    if report.problems:
        for problem in report.problems:
            output.error(problem)
        return ExitCode.DAMAGED
    output.line("workspace verified: no problems found")
    return ExitCode.OK


@command
def _register_passwd(sub: SubParsers) -> None:
    parser = sub.add_parser("passwd", help="change the signed-in user's password")
    parser.set_defaults(handler=change_password)


def change_password(arguments: argparse.Namespace, output: Output) -> int:
    if not arguments.user:
        raise ConfigError("no user given; pass --user NAME or set LABELER_USER")
    passwords = _passwords(arguments)
    old = passwords.read(f"Current password for {arguments.user}: ")
    session = sign_in_waiting(arguments.workspace, arguments.user, old)
    try:
        new = _new_passwords(arguments).read_new("New password: ")
        session.change_password(old, new)
    finally:
        session.lock()
    output.line(f"password of {arguments.user!r} changed")
    return ExitCode.OK


# -- users and teams --------------------------------------------------------------


@command
def _register_user(sub: SubParsers) -> None:
    parser = sub.add_parser("user", help="add or list users")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    add = actions.add_parser("add", help="add a user with a role")
    add.add_argument("name")
    add.add_argument("--role", required=True, help="annotator, reviewer or admin")
    add.add_argument("--team", action="append", default=[], help="team to join (repeatable)")
    add.set_defaults(handler=add_user)
    listing = actions.add_parser("list", help="list users, roles and teams")
    listing.set_defaults(handler=list_users)


def add_user(arguments: argparse.Namespace, output: Output) -> int:
    passwords = _passwords(arguments)
    with signed_in(arguments, passwords) as session:
        # Reject a non-admin or a taken name before asking for a password.
        session.check_new_user(arguments.name, arguments.role, arguments.team)
        new_source = _new_passwords(arguments)
        password = new_source.read_new(f"Password for new user {arguments.name}: ")
        session.add_user(arguments.name, arguments.role, password, arguments.team)
    output.line(f"added user {arguments.name!r} as {arguments.role}")
    return ExitCode.OK


def list_users(arguments: argparse.Namespace, output: Output) -> int:
    workspace = Workspace(arguments.workspace)
    for name, record in sorted(workspace.manifest["users"].items()):
        teams = ", ".join(record.get("teams", [])) or "-"
        output.line(f"{name}\t{record['role']}\tteams: {teams}")
    output.line(f"roles: {', '.join(known_roles(workspace.manifest))}")
    return ExitCode.OK


@command
def _register_team(sub: SubParsers) -> None:
    parser = sub.add_parser("team", help="add teams and members")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    add = actions.add_parser("add", help="add a team")
    add.add_argument("name")
    add.set_defaults(handler=add_team)
    member = actions.add_parser("add-member", help="add a user to a team")
    member.add_argument("team")
    member.add_argument("member")
    member.set_defaults(handler=add_team_member)


def add_team(arguments: argparse.Namespace, output: Output) -> int:
    with signed_in(arguments) as session:
        session.add_team(arguments.name)
    output.line(f"added team {arguments.name!r}")
    return ExitCode.OK


def add_team_member(arguments: argparse.Namespace, output: Output) -> int:
    with signed_in(arguments) as session:
        session.add_user_to_team(arguments.member, arguments.team)
    output.line(f"added {arguments.member!r} to team {arguments.team!r}")
    return ExitCode.OK


# -- projects and buckets -------------------------------------------------------------


@command
def _register_project(sub: SubParsers) -> None:
    parser = sub.add_parser("project", help="create or list projects")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    create = actions.add_parser("create", help="create a project from ontology and policy files")
    create.add_argument("name")
    create.add_argument("--ontology", type=Path, required=True, help="ontology TOML file")
    create.add_argument("--policy", type=Path, required=True, help="field policy TOML file")
    create.add_argument("--team", action="append", default=[], help="team that works on it")
    create.set_defaults(handler=create_project)
    listing = actions.add_parser("list", help="list the projects the user may open")
    listing.set_defaults(handler=list_projects)


def create_project(arguments: argparse.Namespace, output: Output) -> int:
    ontology = load_ontology(arguments.ontology)
    with signed_in(arguments) as session:
        policy = load_field_policy(arguments.policy, known_roles(session.workspace.manifest))
        project_id = session.create_project(arguments.name, ontology, policy, arguments.team)
    output.line(f"created project {project_id!r}")
    return ExitCode.OK


def list_projects(arguments: argparse.Namespace, output: Output) -> int:
    with signed_in(arguments) as session:
        for project in session.projects():
            buckets = ", ".join(b["path"] for b in project.get("buckets", {}).values()) or "-"
            output.line(f"{project['id']}\t{project['name']}\tbuckets: {buckets}")
    return ExitCode.OK


@command
def _register_bucket(sub: SubParsers) -> None:
    parser = sub.add_parser("bucket", help="register a mounted folder as a project's bucket")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    add = actions.add_parser("add", help="add a bucket to a project")
    add.add_argument("project")
    add.add_argument("path", type=Path)
    add.add_argument("--csv", default="metadata.csv",
                     help="name of the bucket-level metadata CSV (default: metadata.csv)")
    add.set_defaults(handler=add_bucket)


def add_bucket(arguments: argparse.Namespace, output: Output) -> int:
    with signed_in(arguments) as session:
        bucket_id = session.add_bucket(arguments.project, arguments.path, csv_name=arguments.csv)
    output.line(f"bucket {bucket_id} of project {arguments.project!r}: {arguments.path}")
    return ExitCode.OK


# -- import and browsing --------------------------------------------------------------


@command
def _register_import(sub: SubParsers) -> None:
    parser = sub.add_parser("import", help="import (or resume importing) a project's buckets")
    parser.add_argument("project")
    parser.add_argument("--bucket", help="only this bucket id (default: every bucket)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(handler=import_buckets)


def import_buckets(arguments: argparse.Namespace, output: Output) -> int:
    failed = 0
    with signed_in(arguments) as session:
        project = session.open_project(arguments.project)
        bucket_ids = [arguments.bucket] if arguments.bucket else sorted(project.record["buckets"])
        if not bucket_ids:
            raise ConfigError(f"project {project.id!r} has no bucket; add one with 'bucket add'")
        for bucket_id in bucket_ids:
            printer = None if arguments.quiet else ProgressPrinter(output)
            logger.info("import of bucket %s of project %r started", bucket_id, project.id)
            report = run_import(project, bucket_id, progress=printer)
            if printer:
                printer.finish()
            _print_report(output, bucket_id, report)
            logger.info("import of bucket %s of project %r finished: %d added, %d changed, "
                        "%d missing, %d not imported", bucket_id, project.id, report.added,
                        report.changed, len(report.missing), len(report.failed))
            failed += len(report.failed)
    return ExitCode.OK


def _print_report(output: Output, bucket_id: str, report: Any) -> None:
    verb = "resumed and finished" if report.resumed else "finished"
    rate = report.bytes_read / report.seconds / 1e6 if report.seconds else 0.0
    output.line(
        f"import of bucket {bucket_id} {verb}: {report.added} added, {report.changed} changed, "
        f"{report.unchanged} unchanged, {len(report.moved)} moved, {len(report.missing)} "
        f"missing, {len(report.failed)} not imported ({rate:.1f} MB/s)")
    for old, new in report.moved:
        output.line(f"  moved: {old} -> {new}")
    for path in report.missing:
        output.line(f"  missing from the bucket: {path}")
    for path, reason in report.failed:
        output.line(f"  not imported: {path}: {reason}")


@command
def _register_assets(sub: SubParsers) -> None:
    parser = sub.add_parser("assets", help="list a project's assets with their status")
    parser.add_argument("project")
    parser.add_argument("--status", help="only assets with this review status")
    parser.add_argument("--kind", help="only image, text, video, dicom or other")
    parser.add_argument("--limit", type=int, default=-1)
    parser.set_defaults(handler=list_assets)


def list_assets(arguments: argparse.Namespace, output: Output) -> int:
    with signed_in(arguments) as session:
        project = session.open_project(arguments.project)
        if project.count_assets() == 0:
            output.line(f"no assets yet in project {project.id!r} on this station: import "
                        f"the bucket here ('labeler import {project.id}')")
            return ExitCode.OK
        assets = project.list_assets(status=arguments.status, kind=arguments.kind,
                                     limit=arguments.limit)
        for asset in assets:
            size = f"{asset.width}x{asset.height}" if asset.width else "-"
            presence = "" if asset.presence == "present" else f"\t({asset.presence})"
            output.line(f"{asset.id}\t{asset.status}\t{asset.kind}\t{size}\t{asset.path}{presence}")
        output.line(f"{len(assets)} assets")
    return ExitCode.OK


@command
def _register_fields(sub: SubParsers) -> None:
    parser = sub.add_parser("fields", help="show an asset's fields as the signed-in user sees them")
    parser.add_argument("project")
    parser.add_argument("asset", help="asset id or path in the bucket")
    parser.add_argument("--hidden-names", action="store_true",
                        help="also list the names of fields hidden from your role")
    parser.set_defaults(handler=show_fields)


def show_fields(arguments: argparse.Namespace, output: Output) -> int:
    with signed_in(arguments) as session:
        project = session.open_project(arguments.project)
        asset = project.find_asset(arguments.asset)
        output.line(f"asset {asset.id}: {asset.path} ({asset.kind}, {asset.format})")
        hidden = 0
        for view in project.fields_for_user(asset.id):
            if view.value is None:
                hidden += 1
                if arguments.hidden_names:
                    output.line(f"  {view.name}: (hidden)")
                continue
            marker = " (masked)" if view.visibility == "masked" else ""
            output.line(f"  {view.name}: {view.value}{marker}")
        if hidden and not arguments.hidden_names:
            output.line(f"  ({hidden} more fields are hidden from your role)")
    return ExitCode.OK


@command
def _register_demo(sub: SubParsers) -> None:
    parser = sub.add_parser("demo", help="build the demo workspace from resources/demo")
    parser.add_argument("--no-open", action="store_true", help="do not open the client afterwards")
    parser.set_defaults(handler=build_demo)


def build_demo(arguments: argparse.Namespace, output: Output) -> int:
    from labeler.cli.demo import build_demo_workspace

    started = time.monotonic()
    build_demo_workspace(arguments.workspace, output)
    output.status(f"demo workspace ready in {time.monotonic() - started:.1f} s")
    return ExitCode.OK


__all__ = ["REGISTRY", "LabelerError"]
