"""Exit codes, the injected output writer, and password input for the CLI."""

from __future__ import annotations

import getpass
import os
import sys
from dataclasses import dataclass, field
from enum import IntEnum
from typing import TextIO

from labeler.core.errors import ConfigError


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1
    USAGE = 2
    NOT_FOUND = 3
    DENIED = 4
    WRONG_PASSWORD = 5
    DAMAGED = 6
    CANCELLED = 130


@dataclass
class Output:
    """Where commands write: tests pass their own streams."""

    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)

    def line(self, text: str = "") -> None:
        print(text, file=self.stdout)

    def error(self, text: str) -> None:
        print(f"error: {text}", file=self.stderr)

    def status(self, text: str) -> None:
        print(text, file=self.stderr)

    @property
    def is_interactive(self) -> bool:
        return hasattr(self.stderr, "isatty") and self.stderr.isatty()


class PasswordSource:
    """Reads passwords from a prompt, a file descriptor or an environment variable.

    Never from the command line, where other users could read them in the
    process list. A descriptor may carry several passwords, one per line, read
    in the order the command asks for them. An environment variable carries
    one password, so it is read at most once.
    """

    def __init__(self, fd: int | None = None, env: str | None = None, *,
                 option_prefix: str = "--password") -> None:
        self.fd = fd
        self.env = env
        self.option_prefix = option_prefix
        self._lines: list[str] | None = None
        self._env_read = False

    def _from_fd(self, fd: int) -> str:
        if self._lines is None:
            try:
                os.fstat(fd)
            except OSError:
                raise ConfigError(
                    f"cannot read passwords from file descriptor {fd}: it is not open; "
                    "open it for the command (for example '9<file') or pass another "
                    f"{self.option_prefix}-fd") from None
            with os.fdopen(fd, "r", encoding="utf-8", closefd=False) as stream:
                self._lines = stream.read().splitlines()
        if not self._lines:
            raise ConfigError(f"file descriptor {fd} has no more passwords; put one "
                              "password per line, in the order the command asks for them")
        return self._lines.pop(0)

    def _from_env(self, env: str) -> str:
        if self._env_read:
            raise ConfigError(
                f"environment variable {env} already gave one password and this command "
                "needs another; pass the new password with --new-password-env or "
                "--new-password-fd")
        value = os.environ.get(env)
        if value is None:
            raise ConfigError(f"environment variable {env} is not set; set it or pass "
                              f"another {self.option_prefix}-env")
        self._env_read = True
        return value

    def read(self, prompt: str) -> str:
        if self.fd is not None:
            return self._from_fd(self.fd)
        if self.env is not None:
            return self._from_env(self.env)
        if not sys.stdin.isatty():
            raise ConfigError(
                "no terminal to ask for a password; pass "
                f"{self.option_prefix}-fd or {self.option_prefix}-env")
        return getpass.getpass(prompt)

    def read_new(self, prompt: str) -> str:
        if self.fd is not None or self.env is not None:
            value = self.read(prompt)
        else:
            value = self.read(prompt)
            if getpass.getpass("Repeat: ") != value:
                raise ValueError("the two passwords differ")
        if len(value) < 8:
            raise ValueError("a password needs at least 8 characters")
        return value
