"""Entry point: `labeler` with no command opens the client, otherwise runs a command."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    # Keyrings, stores, manifests, counters and the log are for this user only.
    # The umask covers files made by SQLite and the logging module, which take
    # no mode argument.
    os.umask(0o077)
    from labeler.core.netguard import install_network_guard

    install_network_guard()
    arguments = sys.argv[1:] if argv is None else argv
    if arguments and arguments[0] == "gui":
        return _open_client(arguments[1:])
    from labeler.cli.main import command_of, has_only_global_options, hoist_global_options, run

    if not arguments or has_only_global_options(arguments):
        return _open_client(_client_arguments(arguments))
    code = run(arguments)
    hoisted = hoist_global_options(arguments)
    if code == 0 and command_of(arguments) == "demo" and "--no-open" not in hoisted:
        return _open_client(_client_arguments(hoisted))
    return code


def _open_client(client_arguments: list[str]) -> int:
    """Run the desktop client, or print why it cannot start and what to run instead."""
    from labeler.gui.app import has_display, run_client

    if not has_display():
        print(_no_display_message(client_arguments))
        return 0
    return run_client(client_arguments)


def _no_display_message(client_arguments: list[str]) -> str:
    message = "labeler: no display found, so the desktop client did not start"
    named = client_arguments[1] if client_arguments[:1] == ["--workspace"] else None
    folder = named or os.environ.get("LABELER_WORKSPACE")
    if not folder:
        return (f"{message}; set DISPLAY or QT_QPA_PLATFORM=offscreen, or use the "
                "'labeler' commands with -w FOLDER")
    from labeler.core.workspace import Workspace

    if Workspace.exists(Path(folder)):
        return (f"{message}; {folder!r} is a Labeler workspace: use the 'labeler' "
                f"commands on it, for example 'labeler -w {folder} -u NAME project list'")
    return (f"{message}; {folder!r} is not a Labeler workspace (it has no "
            f"workspace.json): create one with 'labeler -w {folder} init --admin NAME'")


def _client_arguments(arguments: list[str]) -> list[str]:
    """Keep only the workspace option when handing a CLI command line to the client."""
    for index, token in enumerate(arguments):
        if token in ("-w", "--workspace") and index + 1 < len(arguments):
            return ["--workspace", arguments[index + 1]]
        if token.startswith("--workspace="):
            return ["--workspace", token.split("=", 1)[1]]
    return []


if __name__ == "__main__":
    sys.exit(main())
