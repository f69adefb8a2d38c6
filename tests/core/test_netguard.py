"""The network guard, and the per-test network check in tests/conftest.py."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from labeler.core.errors import NetworkForbiddenError
from labeler.core.netguard import attempts

REPO_ROOT = Path(__file__).resolve().parents[2]
CONFTEST = REPO_ROOT / "tests" / "conftest.py"


@pytest.mark.parametrize(
    "family", [socket.AF_INET, socket.AF_INET6], ids=["AF_INET", "AF_INET6"]
)
@pytest.mark.parametrize(
    "kind", [socket.SOCK_STREAM, socket.SOCK_DGRAM], ids=["stream", "datagram"]
)
def test_inet_socket_raises_and_is_recorded(
    family: socket.AddressFamily, kind: socket.SocketKind
) -> None:
    attempts_before = len(attempts)
    try:
        with pytest.raises(NetworkForbiddenError, match="network sockets"):
            socket.socket(family, kind)
        recorded = attempts[attempts_before:]
    finally:
        # Remove this test's own attempt, which fail_on_network_use would
        # otherwise report after the test.
        del attempts[attempts_before:]

    assert len(recorded) == 1
    assert str(int(family)) in recorded[0]


def test_unix_socket_pair_is_allowed() -> None:
    attempts_before = len(attempts)

    left, right = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    with left, right:
        left.sendall(b"ping")
        received = right.recv(4)

    assert received == b"ping"
    assert len(attempts) == attempts_before


# Each inner test runs in a separate pytest process that loads a copy of the
# real conftest. An inner "error" is fail_on_network_use failing at teardown.
INNER_TESTS = {
    "swallowed_guard_error": (
        """
import socket

def test_inner():
    try:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    except Exception:
        pass
""",
        "network guard: socket(",
    ),
    "native_inet_socket_left_open": (
        """
import ctypes
import socket

def test_inner():
    libc = ctypes.CDLL(None, use_errno=True)
    descriptor = libc.socket(int(socket.AF_INET), int(socket.SOCK_DGRAM), 0)
    assert descriptor >= 0, ctypes.get_errno()
""",
        "open internet socket: descriptor",
    ),
}


def run_inner_test(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, source: str
) -> pytest.RunResult:
    # The conftest imports tests.corpus, so the inner process needs the
    # repository root on its import path.
    monkeypatch.setenv("PYTHONPATH", str(REPO_ROOT))
    pytester.makeconftest(CONFTEST.read_text(encoding="utf-8"))
    pytester.makepyfile(test_inner=source)
    return pytester.runpytest_subprocess("-p", "no:cacheprovider")


@pytest.mark.parametrize("case", sorted(INNER_TESTS))
def test_network_check_fails_inner_test(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    source, expected_message = INNER_TESTS[case]

    result = run_inner_test(pytester, monkeypatch, source)

    result.assert_outcomes(passed=1, errors=1)
    assert expected_message in result.stdout.str()


def test_network_check_allows_open_unix_socket(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = """
import socket

kept_open = []

def test_inner():
    kept_open.extend(socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM))
"""
    result = run_inner_test(pytester, monkeypatch, source)

    result.assert_outcomes(passed=1)
