"""The `labeler` command line: argument parsing, error mapping and exit codes."""

from __future__ import annotations

import argparse
import logging
import os
import traceback
from pathlib import Path
from typing import Callable, Final

from labeler import __version__
from labeler.cli import commands
from labeler.cli import admin_commands, review_commands  # noqa: F401  (importing registers)
from labeler.cli.output import ExitCode, Output
from labeler.core.errors import (
    ConfigError,
    CryptoError,
    LabelerError,
    NotFoundError,
    PolicyError,
    WrongPasswordError,
)
from labeler.core.logsetup import configure_logging

logger = logging.getLogger(__name__)


def _add_password_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("passwords (never given on the command line)")
    group.add_argument("--password-fd", type=int, metavar="FD",
                       help="read passwords from this open file descriptor, one per line")
    group.add_argument("--password-env", metavar="VAR",
                       help="read the password from this environment variable")
    group.add_argument("--new-password-fd", type=int, metavar="FD",
                       help="read the new user's or new password from this descriptor")
    group.add_argument("--new-password-env", metavar="VAR",
                       help="read the new user's or new password from this variable")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="labeler",
        description="Offline, encrypted annotation workspaces. With no command, "
                    "opens the desktop client.")
    parser.add_argument("--version", action="version", version=f"labeler {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    parser.add_argument("-w", "--workspace", type=Path,
                        default=Path(os.environ.get("LABELER_WORKSPACE", ".")),
                        help="workspace folder (default: $LABELER_WORKSPACE or the current folder)")
    parser.add_argument("-u", "--user", default=os.environ.get("LABELER_USER"),
                        help="user to sign in as (default: $LABELER_USER)")
    _add_password_options(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for register in commands.REGISTRY:
        register(sub)
    return parser


def _exit_code_for(error: Exception) -> ExitCode:
    if isinstance(error, WrongPasswordError):
        return ExitCode.WRONG_PASSWORD
    if isinstance(error, PolicyError):
        return ExitCode.DENIED
    if isinstance(error, NotFoundError):
        return ExitCode.NOT_FOUND
    if isinstance(error, (CryptoError,)):
        return ExitCode.DAMAGED
    if isinstance(error, ConfigError):
        return ExitCode.USAGE
    return ExitCode.ERROR


_GLOBAL_FLAGS = {"--debug"}
_GLOBAL_OPTIONS = {"-w", "--workspace", "-u", "--user", "--password-fd", "--password-env",
                   "--new-password-fd", "--new-password-env"}


def hoist_global_options(argv: list[str]) -> list[str]:
    """Move global options written after the command to the front.

    `labeler demo --workspace W` then means the same as `labeler --workspace W demo`.
    """
    front: list[str] = []
    rest: list[str] = []
    index = 0
    while index < len(argv):
        token = argv[index]
        name = token.split("=", 1)[0]
        if token in _GLOBAL_FLAGS:
            front.append(token)
        elif name in _GLOBAL_OPTIONS and "=" in token:
            front.append(token)
        elif token in _GLOBAL_OPTIONS and index + 1 < len(argv):
            front.extend(argv[index:index + 2])
            index += 1
        else:
            rest.append(token)
        index += 1
    return front + rest


def has_only_global_options(argv: list[str]) -> bool:
    """Return whether a command line names global options and their values only.

    `labeler -w ws1` then opens the client on ws1, as plain `labeler` does.
    """
    index = 0
    while index < len(argv):
        token = argv[index]
        if token in _GLOBAL_FLAGS or (token.split("=", 1)[0] in _GLOBAL_OPTIONS
                                      and "=" in token):
            index += 1
        elif token in _GLOBAL_OPTIONS and index + 1 < len(argv):
            index += 2
        else:
            return False
    return bool(argv)


def command_of(argv: list[str]) -> str | None:
    """Return the command an argument list names, or None if it names none."""
    if {"-h", "--help", "--version"} & set(argv):
        return None  # parsing would print the help or version a second time
    try:
        known, _rest = build_parser().parse_known_args(hoist_global_options(argv))
    except SystemExit:
        return None
    return str(known.command)


def run(argv: list[str], output: Output | None = None) -> int:
    """Run one command; return its exit code. Errors become one line on stderr."""
    output = output or Output()
    parser = build_parser()
    try:
        arguments = parser.parse_args(hoist_global_options(argv))
    except SystemExit as exit_request:
        return int(exit_request.code or 0)
    configure_logging(debug=arguments.debug)
    handler: Callable[[argparse.Namespace, Output], int] = arguments.handler
    try:
        return int(handler(arguments, output))
    except KeyboardInterrupt:
        output.error(_CANCELLED_MESSAGES.get(arguments.command, "cancelled"))
        logger.info("command %s cancelled", arguments.command)
        return ExitCode.CANCELLED
    except BrokenPipeError:
        return ExitCode.OK  # the reader (e.g. `head`) stopped early
    except (LabelerError, ValueError, OSError) as error:
        if arguments.debug:
            traceback.print_exc(file=output.stderr)
        output.error(describe_error(error))
        _log_failure(arguments, error)
        return _exit_code_for(error)


_CANCELLED_MESSAGES: Final = {
    "import": "cancelled; run the same import again to resume",
}


def describe_error(error: Exception) -> str:
    """Return the one sentence the user sees for an error a command raised."""
    if not isinstance(error, OSError) or isinstance(error, LabelerError):
        return str(error)
    if error.filename is None:
        return f"a file operation failed: {error.strerror or error}"
    path = str(error.filename)
    if isinstance(error, FileNotFoundError):
        return f"cannot read {path!r}: no such file"
    if isinstance(error, IsADirectoryError):
        return f"cannot read {path!r}: it is a folder, expected a file"
    if isinstance(error, NotADirectoryError):
        return f"cannot use {path!r}: a part of the path is a file, expected a folder"
    if isinstance(error, PermissionError):
        return f"cannot use {path!r}: permission denied"
    return f"cannot use {path!r}: {(error.strerror or str(error)).lower()}"


def _log_failure(arguments: argparse.Namespace, error: Exception) -> None:
    """Log a failed command without passwords, keys or field values.

    A failed sign-in is logged as the user name only. Core errors (LabelerError)
    and OSError text name files and values the user typed, never secrets, so
    their message is logged. Other ValueErrors can come from third-party code
    (a codec quoting the bytes it could not decode, for example), so only their
    class is logged.
    """
    if isinstance(error, WrongPasswordError):
        logger.warning("sign-in failed for %r", arguments.user)
    elif isinstance(error, (LabelerError, OSError)):
        logger.error("command %s failed: %s", arguments.command, describe_error(error))
    else:
        logger.error("command %s failed: %s", arguments.command, type(error).__name__)
