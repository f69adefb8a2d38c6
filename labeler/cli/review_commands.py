"""`labeler review`: submit assets for review, approve or reject them."""

from __future__ import annotations

import argparse

from labeler.cli.commands import SubParsers, command, signed_in
from labeler.cli.output import ExitCode, Output
from labeler.core.review import ReviewState, decide, history, submit


@command
def _register_review(sub: SubParsers) -> None:
    parser = sub.add_parser("review", help="submit, approve or reject assets")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    for name, help_text in (("submit", "hand an asset to review"),
                            ("approve", "approve a submitted asset (signed)"),
                            ("reject", "send a submitted asset back with a comment (signed)"),
                            ("history", "list an asset's signed decisions")):
        action = actions.add_parser(name, help=help_text)
        action.add_argument("project")
        action.add_argument("asset", help="asset id or path in the bucket")
        if name in ("approve", "reject"):
            action.add_argument("--comment", default="", help="what to fix, for a rejection")
        action.set_defaults(handler=review, review_action=name)


def review(arguments: argparse.Namespace, output: Output) -> int:
    with signed_in(arguments) as session:
        project = session.open_project(arguments.project)
        asset = project.find_asset(arguments.asset)
        if arguments.review_action == "submit":
            submit(project, asset.id)
        elif arguments.review_action == "history":
            for decision in history(project, asset.id):
                output.line(f"{decision.decided_at}\t{decision.reviewer}\t"
                            f"{decision.decision}\t{decision.comment}")
            return ExitCode.OK
        else:
            state = (ReviewState.APPROVED if arguments.review_action == "approve"
                     else ReviewState.REJECTED)
            decide(project, asset.id, state, arguments.comment)
        output.line(f"asset {asset.id} ({asset.path}) is now {project.asset(asset.id).status}")
    return ExitCode.OK
