"""Sign-in backoff and account lock, with an injected clock."""

from __future__ import annotations

from pathlib import Path

import pytest

from labeler.core.admin import unlock_account, update_settings
from labeler.core.errors import WrongPasswordError
from labeler.core.lockout import AccountLockedError, SignInDelayError
from labeler.core.workspace import Workspace
from tests.core.factories import PASSWORDS, build_workspace


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def workspace_root(tmp_path: Path) -> Path:
    built = build_workspace(tmp_path / "ws")
    admin = built.sign_in("admin")
    update_settings(admin, {"sign_in_backoff_seconds": [1, 2, 4], "lock_after_failures": 4})
    admin.lock()
    return built.root


def test_delay_grows_after_each_failure(workspace_root: Path) -> None:
    clock = FakeClock()
    workspace = Workspace(workspace_root)
    delays = []
    for _attempt in range(3):
        with pytest.raises(WrongPasswordError):
            workspace.unlock("anna", "wrong", clock=clock)
        with pytest.raises(SignInDelayError) as delay:
            workspace.unlock("anna", PASSWORDS["anna"], clock=clock)
        delays.append(delay.value.seconds)
        clock.now += delay.value.seconds
    assert delays == [1, 2, 4]
    workspace.unlock("anna", PASSWORDS["anna"], clock=clock).lock()
    assert workspace.lockout(clock).seconds_until_allowed("anna") == 0


def test_account_locks_until_admin_unlocks(workspace_root: Path) -> None:
    clock = FakeClock()
    workspace = Workspace(workspace_root)
    for _attempt in range(4):
        with pytest.raises(WrongPasswordError):
            workspace.unlock("anna", "wrong", clock=clock)
        clock.now += 100
    with pytest.raises(AccountLockedError, match="ask an admin"):
        workspace.unlock("anna", PASSWORDS["anna"], clock=clock)
    admin = workspace.unlock("admin", PASSWORDS["admin"], clock=clock)
    from labeler.core.session import Session

    session = Session(workspace, admin)
    unlock_account(session, "anna")
    actions = [entry["action"] for entry in session.read_workspace_audit()]
    session.lock()
    assert actions.count("sign_in_failed") == 4
    assert "account_locked" in actions
    assert "account_unlocked" in actions
    workspace.unlock("anna", PASSWORDS["anna"], clock=clock).lock()
