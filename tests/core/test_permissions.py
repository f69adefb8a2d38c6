"""Workspace files are private to their owner: 0o600 files in 0o700 folders."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from labeler.core.files import atomic_write

REPO = Path(__file__).resolve().parents[2]
ADMIN = "admin-password-1"


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """Run with the common default umask, under which new files are world-readable."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_atomic_write_makes_private_file(tmp_path: Path, loose_umask: None) -> None:
    target = tmp_path / "new-folder" / "secret.json"
    atomic_write(target, b"{}")
    assert _mode(target) == 0o600
    assert _mode(target.parent) == 0o700


def test_atomic_write_tightens_replaced_file(tmp_path: Path, loose_umask: None) -> None:
    target = tmp_path / "existing.json"
    target.write_bytes(b"old")
    target.chmod(0o644)
    atomic_write(target, b"new")
    assert _mode(target) == 0o600


def _run_cli(workspace: Path, log_dir: Path, *args: str, password: str = ADMIN,
             expected_code: int = 0) -> None:
    read_end, write_end = os.pipe()
    os.write(write_end, f"{password}\n".encode())
    os.close(write_end)
    env = {**os.environ, "LABELER_WORKSPACE": str(workspace), "LABELER_LOG_DIR": str(log_dir)}
    try:
        result = subprocess.run(
            [sys.executable, "-m", "labeler", "--password-fd", str(read_end), *args],
            pass_fds=(read_end,), env=env, cwd=REPO, capture_output=True, text=True,
            timeout=120, preexec_fn=lambda: os.umask(0o022))
    finally:
        os.close(read_end)
    assert result.returncode == expected_code, result.stderr


def test_new_workspace_is_private(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    log_dir = tmp_path / "logs"
    _run_cli(workspace, log_dir, "init", "--admin", "admin")
    _run_cli(workspace, log_dir, "-u", "admin", "project", "create", "Private",
             "--ontology", str(REPO / "resources/demo/ontology.toml"),
             "--policy", str(REPO / "resources/demo/policy.toml"))
    _run_cli(workspace, log_dir, "-u", "admin", "verify")
    _run_cli(workspace, log_dir, "-u", "admin", "verify", password="wrong-password",
             expected_code=5)
    files = [path for path in workspace.rglob("*") if path.is_file()]
    folders = [workspace, *(path for path in workspace.rglob("*") if path.is_dir())]
    names = {path.relative_to(workspace).as_posix() for path in files}
    assert {"workspace.json", "trust.json", "keyrings/admin.json", "lockout.json",
            "audit/workspace.jsonl", "projects/private/store.db"} <= names
    assert {path.name: oct(_mode(path)) for path in files if _mode(path) != 0o600} == {}
    assert {str(path): oct(_mode(path)) for path in folders if _mode(path) != 0o700} == {}
    assert _mode(log_dir) == 0o700
    assert _mode(log_dir / "labeler.log") == 0o600
