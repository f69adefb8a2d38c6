"""Settings and checks shared by every test.

- Qt uses the offscreen platform unless QT_QPA_PLATFORM is already set, so
  tests need no display.
- The network guard from `labeler.core.netguard` is installed for the whole
  run, and `fail_on_network_use` fails any test during which something tried to
  use the network or left an internet socket open.
- The `corpus` fixture gives tests the shared data folder named by
  LABELER_CORPUS.
"""

from __future__ import annotations

import ctypes
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from labeler.core.netguard import attempts, install_network_guard
from tests.corpus import corpus_path

# Qt reads QT_QPA_PLATFORM when the first QApplication is created (usually by
# pytest-qt's qapp fixture), which is after this module has been imported.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# tests/core/test_netguard.py runs pytest on small test files with this
# conftest to check that the checks below catch what they claim to.
pytest_plugins = ("pytester",)

install_network_guard()

# Kernel tables of internet sockets. They list only sockets that are bound,
# listening or connected, and they cover the whole network namespace, not only
# this process, so they are matched against this process's descriptors.
_INET_TABLES = ("tcp", "tcp6", "udp", "udp6", "udplite", "udplite6", "raw", "raw6")
_NETWORK_FAMILIES = frozenset(
    family
    for family in (socket.AF_INET, socket.AF_INET6, getattr(socket, "AF_PACKET", None))
    if family is not None
)
_HAS_PROC_FD = os.path.isdir("/proc/self/fd")
_libc = ctypes.CDLL(None, use_errno=True)


def list_open_sockets() -> dict[int, int]:
    """Return {inode: descriptor} for each socket open in this process."""
    sockets: dict[int, int] = {}
    for entry in os.scandir("/proc/self/fd"):
        try:
            target = os.readlink(entry.path)
        except OSError:
            continue  # closed between the listing and the readlink
        if target.startswith("socket:["):
            sockets[int(target[len("socket:[") : -1])] = int(entry.name)
    return sockets


def read_inet_table_inodes() -> set[int]:
    """Return the inodes listed in /proc/self/net/{tcp,tcp6,udp,udp6,...}."""
    inodes: set[int] = set()
    for table in _INET_TABLES:
        try:
            with open(f"/proc/self/net/{table}", encoding="ascii") as lines:
                next(lines)  # header
                inodes.update(int(line.split()[9]) for line in lines)
        except FileNotFoundError:
            continue  # protocol not built into this kernel
    return inodes


def get_socket_family(descriptor: int) -> int | None:
    """Return the address family of a socket descriptor, or None if getsockopt fails.

    This calls getsockopt through the C library instead of wrapping the
    descriptor in a `socket.socket`, which the network guard would reject.
    """
    family = ctypes.c_int()
    size = ctypes.c_uint32(ctypes.sizeof(family))
    result = _libc.getsockopt(
        descriptor,
        socket.SOL_SOCKET,
        socket.SO_DOMAIN,
        ctypes.byref(family),
        ctypes.byref(size),
    )
    return family.value if result == 0 else None


def find_new_inet_sockets(inodes_before: set[int]) -> list[str]:
    """Describe the internet sockets opened in this process since a snapshot.

    A socket counts when the kernel's internet tables list its inode, or, for
    a socket that was created but never bound or connected, when getsockopt
    reports an internet address family.
    """
    new_sockets = {
        inode: descriptor
        for inode, descriptor in list_open_sockets().items()
        if inode not in inodes_before
    }
    if not new_sockets:
        return []

    table_inodes = read_inet_table_inodes()
    found = []
    for inode, descriptor in sorted(new_sockets.items()):
        if inode in table_inodes or get_socket_family(descriptor) in _NETWORK_FAMILIES:
            found.append(f"descriptor {descriptor} (socket:[{inode}])")
    return found


@pytest.fixture(autouse=True)
def fail_on_network_use() -> Iterator[None]:
    """Fail the test if it tried to use the network or left an internet socket open.

    The guard's record catches attempts even when the test or the code under
    test swallowed the NetworkForbiddenError. The descriptor check catches
    sockets made by native code, which the guard cannot see.
    NOTE: a native socket that is opened and closed within one test is missed,
    because descriptors are compared only before and after the test.
    """
    attempts_before = len(attempts)
    inodes_before = set(list_open_sockets()) if _HAS_PROC_FD else set()

    yield

    problems = [f"network guard: {attempt}" for attempt in attempts[attempts_before:]]
    if _HAS_PROC_FD:
        problems += [
            f"open internet socket: {socket_description}"
            for socket_description in find_new_inet_sockets(inodes_before)
        ]
    if problems:
        pytest.fail(
            "the test used the network, which Labeler never does:\n  "
            + "\n  ".join(problems),
            pytrace=False,
        )


@pytest.fixture(scope="session")
def corpus() -> Path:
    """Shared data folder named by LABELER_CORPUS; skips the test when unset."""
    return corpus_path()
