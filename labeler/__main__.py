"""Entry point: `labeler` with no arguments opens the client, otherwise runs a command."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from labeler.core.netguard import install_network_guard

    install_network_guard()
    arguments = sys.argv[1:] if argv is None else argv
    if not arguments or arguments[0] == "gui":
        from labeler.gui.app import run_client

        return run_client(arguments[1:])
    from labeler.cli.main import command_of, hoist_global_options, run

    code = run(arguments)
    hoisted = hoist_global_options(arguments)
    if code == 0 and command_of(arguments) == "demo" and "--no-open" not in hoisted:
        from labeler.gui.app import run_client

        return run_client(_client_arguments(hoisted))
    return code


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
