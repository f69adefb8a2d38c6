"""Build the demo workspace from `resources/demo`, idempotently.

The demo users' passwords are printed on purpose: the demo holds only public
sample files, and a new user needs them to sign in.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from labeler.cli.output import Output
from labeler.cli.progress import ProgressPrinter
from labeler.core.ingest import run_import
from labeler.core.model.ontology import load_ontology
from labeler.core.policy.fields import load_field_policy
from labeler.core.resources import resource_path
from labeler.core.session import Session
from labeler.core.workspace import Workspace, known_roles

DEMO_TEAM: Final = "demo-team"
DEMO_PROJECT: Final = "demo"
# (user, role, password); printed by `labeler demo` so a new user can sign in.
DEMO_USERS: Final = (
    ("admin", "admin", "demo-admin-2026"),
    ("rita", "reviewer", "demo-reviewer-2026"),
    ("anna", "annotator", "demo-annotator-2026"),
)


def demo_bucket() -> Path:
    return resource_path("demo", "bucket")


def build_demo_workspace(root: Path, output: Output) -> None:
    """Create (or complete) the demo workspace at `root` and import the demo bucket."""
    admin_name, _role, admin_password = DEMO_USERS[0]
    if Workspace.exists(root):
        session = Session.sign_in(root, admin_name, admin_password)
        output.status(f"using the existing demo workspace {str(root)!r}")
    else:
        session = Session.create_workspace(root, admin_name, admin_password)
        output.status(f"created the demo workspace {str(root)!r}")
    try:
        _complete(session, output)
    finally:
        session.lock()
    output.line("")
    output.line("Demo users (sign in with one of these):")
    for name, role, password in DEMO_USERS:
        output.line(f"  {name:<6} {role:<10} password: {password}")


def _complete(session: Session, output: Output) -> None:
    manifest = session.workspace.manifest
    if DEMO_TEAM not in manifest["teams"]:
        session.add_team(DEMO_TEAM, "people working on the demo project")
    for name, role, password in DEMO_USERS[1:]:
        if name not in session.workspace.manifest["users"]:
            session.add_user(name, role, password, [DEMO_TEAM])
    if DEMO_PROJECT not in session.workspace.manifest["projects"]:
        ontology = load_ontology(resource_path("demo", "ontology.toml"))
        policy = load_field_policy(resource_path("demo", "policy.toml"),
                                   known_roles(session.workspace.manifest))
        session.create_project(DEMO_PROJECT, ontology, policy, [DEMO_TEAM])
    bucket_id = session.add_bucket(DEMO_PROJECT, demo_bucket())
    project = session.open_project(DEMO_PROJECT)
    try:
        printer = ProgressPrinter(output)
        report = run_import(project, bucket_id, progress=printer)
        printer.finish()
        output.status(f"demo import: {report.added} added, {report.unchanged} unchanged, "
                      f"{len(report.failed)} not imported")
        for path, reason in report.failed:
            output.status(f"  not imported: {path}: {reason}")
    finally:
        project.close()
