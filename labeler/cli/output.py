"""Exit codes, the injected output writer, and password input for the CLI."""

from __future__ import annotations

import getpass
import os
import sys
from dataclasses import dataclass, field
from enum import IntEnum
from typing import TextIO


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
    in the order the command asks for them.
    """

    def __init__(self, fd: int | None = None, env: str | None = None) -> None:
        self.fd = fd
        self.env = env
        self._lines: list[str] | None = None

    def _from_fd(self) -> str:
        if self._lines is None:
            assert self.fd is not None
            with os.fdopen(self.fd, "r", encoding="utf-8", closefd=False) as stream:
                self._lines = stream.read().splitlines()
        if not self._lines:
            raise ValueError(f"file descriptor {self.fd} has no more passwords")
        return self._lines.pop(0)

    def read(self, prompt: str) -> str:
        if self.fd is not None:
            return self._from_fd()
        if self.env is not None:
            value = os.environ.get(self.env)
            if value is None:
                raise ValueError(f"environment variable {self.env} is not set")
            return value
        if not sys.stdin.isatty():
            raise ValueError(
                "no terminal to ask for a password; pass --password-fd or --password-env")
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
