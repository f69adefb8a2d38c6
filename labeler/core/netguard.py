"""Refuse every network socket in this process.

Labeler never talks to a network. The guard is a CPython audit hook, so it
sees sockets made through the `socket` module by any Python code, ours or a
library's. Unix-domain sockets stay allowed because Qt reaches the X server
and D-Bus through them. Native code that calls the C library directly is not
seen; the test suite checks for that separately by listing the process's
open file descriptors.
"""

from __future__ import annotations

import socket
import sys
from typing import Any, Final

from labeler.core.errors import NetworkForbiddenError

_NETWORK_FAMILIES: Final = frozenset(
    family
    for family in (
        getattr(socket, "AF_INET", None),
        getattr(socket, "AF_INET6", None),
        getattr(socket, "AF_PACKET", None),
    )
    if family is not None
)

_installed = False
attempts: list[str] = []


def _on_audit_event(event: str, args: tuple[Any, ...]) -> None:
    if event == "socket.__new__":
        family = args[1] if len(args) > 1 else None
        if family in _NETWORK_FAMILIES or family == -1:
            attempts.append(f"socket(family={family})")
            raise NetworkForbiddenError(
                "Labeler does not open network sockets; a component tried to."
            )
    elif event in ("socket.getaddrinfo", "socket.gethostbyname"):
        attempts.append(event)
        raise NetworkForbiddenError("Labeler does not look up network hosts.")
    elif event in ("socket.connect", "socket.bind"):
        address = args[1] if len(args) > 1 else None
        # Unix-domain addresses are paths (str or bytes); network ones are tuples.
        if not isinstance(address, (str, bytes)):
            attempts.append(event)
            raise NetworkForbiddenError(
                "Labeler does not open network connections; a component tried to."
            )


def install_network_guard() -> None:
    """Install the audit hook once per process; later calls do nothing."""
    global _installed
    if _installed:
        return
    sys.addaudithook(_on_audit_event)
    _installed = True
