"""Commands run in-process: password sources, lockout, profiles, verify, errors, log."""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from labeler.cli import commands
from labeler.cli.main import has_only_global_options, run
from labeler.cli.output import Output
from labeler.core.errors import WrongPasswordError
from labeler.core.ingest import run_import
from labeler.core.lockout import LockoutPolicy, LockoutState
from labeler.core.profile import init_station
from labeler.core.workspace import Workspace
from tests.core.factories import PASSWORDS, DemoWorkspace, build_workspace

NEW_PASSWORD = "new-user-password-1"
PASSPHRASE = "a long transport passphrase"


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str


@pytest.fixture(autouse=True)
def log_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "logs"
    monkeypatch.setenv("LABELER_LOG_DIR", str(folder))
    # No terminal: a command that would prompt must fail with a message instead.
    monkeypatch.setattr(sys, "stdin", io.StringIO())
    return folder


@pytest.fixture
def workspace(tmp_path: Path) -> DemoWorkspace:
    return build_workspace(tmp_path / "ws")


def cli(root: Path, *args: str, passwords: list[str] | None = None) -> Result:
    """Run one command in this process; `passwords` go through a pipe's read end."""
    stdout, stderr = io.StringIO(), io.StringIO()
    prefix = ["-w", str(root)]
    read_end = None
    if passwords is not None:
        read_end, write_end = os.pipe()
        os.write(write_end, "".join(p + "\n" for p in passwords).encode())
        os.close(write_end)
        prefix += ["--password-fd", str(read_end)]
    try:
        code = run([*prefix, *args], Output(stdout=stdout, stderr=stderr))
    finally:
        if read_end is not None:
            os.close(read_end)
    return Result(code, stdout.getvalue(), stderr.getvalue())


def _closed_descriptor() -> int:
    for candidate in range(200, 1000):
        try:
            os.fstat(candidate)
        except OSError:
            return candidate
    raise AssertionError("no closed descriptor found")


# -- passwords ------------------------------------------------------------------


def test_init_takes_password_from_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APW", "alice-password-1")
    root = tmp_path / "ws1"
    result = cli(root, "--password-env", "APW", "init", "--admin", "alice")
    assert result.code == 0, result.stderr
    monkeypatch.delenv("APW")
    listing = cli(root, "-u", "alice", "project", "list", passwords=["alice-password-1"])
    assert listing.code == 0, listing.stderr


def test_init_error_names_new_options(tmp_path: Path) -> None:
    result = cli(tmp_path / "ws1", "init", "--admin", "alice")
    assert result.code == 2
    assert result.stderr == ("error: no terminal to ask for a password; pass "
                             "--new-password-fd or --new-password-env\n")


def test_env_gives_one_password_only(workspace: DemoWorkspace,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APW", PASSWORDS["admin"])
    result = cli(workspace.root, "--password-env", "APW", "-u", "admin", "user", "add",
                 "nina", "--role", "annotator")
    assert result.code == 2
    assert "--new-password-env" in result.stderr
    assert "nina" not in Workspace(workspace.root).manifest["users"]


def test_user_add_existing_rejected_first(workspace: DemoWorkspace) -> None:
    result = cli(workspace.root, "-u", "admin", "user", "add", "anna", "--role", "annotator",
                 passwords=[PASSWORDS["admin"]])
    assert result.stderr == "error: user 'anna' already exists\n"


def test_user_add_annotator_rejected_first(workspace: DemoWorkspace) -> None:
    result = cli(workspace.root, "-u", "anna", "user", "add", "nina", "--role", "annotator",
                 passwords=[PASSWORDS["anna"]])
    assert result.code == 4
    assert result.stderr == "error: user 'anna' (annotator) may not manage\n"


def test_user_add_reads_two_lines_from_fd(workspace: DemoWorkspace) -> None:
    result = cli(workspace.root, "-u", "admin", "user", "add", "nina", "--role", "annotator",
                 passwords=[PASSWORDS["admin"], NEW_PASSWORD])
    assert result.code == 0, result.stderr
    signed_in = cli(workspace.root, "-u", "nina", "project", "list", passwords=[NEW_PASSWORD])
    assert signed_in.code == 0, signed_in.stderr


def test_closed_password_fd_is_named(workspace: DemoWorkspace) -> None:
    descriptor = _closed_descriptor()
    result = cli(workspace.root, "--password-fd", str(descriptor), "-u", "admin",
                 "project", "list")
    assert result.code == 2
    assert result.stderr.startswith(
        f"error: cannot read passwords from file descriptor {descriptor}: it is not open")


# -- lockout -------------------------------------------------------------------


def test_unlock_command_reopens_locked_account(workspace: DemoWorkspace) -> None:
    state = LockoutState(workspace.root, LockoutPolicy((0,), 10))
    for _attempt in range(10):
        state.record_failure("anna")
    locked = cli(workspace.root, "-u", "anna", "project", "list", passwords=[PASSWORDS["anna"]])
    assert "is locked" in locked.stderr
    unlocked = cli(workspace.root, "-u", "admin", "user-admin", "unlock", "anna",
                   passwords=[PASSWORDS["admin"]])
    assert unlocked.code == 0, unlocked.stderr
    assert unlocked.stdout == "unlocked account 'anna'; its failed sign-ins are cleared\n"
    again = cli(workspace.root, "-u", "anna", "project", "list", passwords=[PASSWORDS["anna"]])
    assert again.code == 0, again.stderr


@pytest.mark.parametrize("content", [b"{not json", b"[1, 2]", b'{"anna": {"failures": "x"}}'])
def test_damaged_lockout_file_is_reset(workspace: DemoWorkspace, log_dir: Path,
                                       content: bytes) -> None:
    (workspace.root / "lockout.json").write_bytes(content)
    result = cli(workspace.root, "-u", "admin", "audit", "show", passwords=[PASSWORDS["admin"]])
    assert result.code == 0, result.stderr
    assert "lockout_state_reset" in result.stdout
    assert json.loads((workspace.root / "lockout.json").read_text()) == {}
    log = (log_dir / "labeler.log").read_text()
    assert "WARNING" in log
    assert repr(str(workspace.root / "lockout.json")) in log


# -- profiles and assets ----------------------------------------------------------


def test_first_install_names_accept_option(workspace: DemoWorkspace, tmp_path: Path) -> None:
    station_root = tmp_path / "station"
    station = init_station(station_root)
    profile = tmp_path / "p.profile"
    exported = cli(workspace.root, "-u", "admin", "profile", "export", "--station", station,
                   "--out", str(profile), passwords=[PASSWORDS["admin"], PASSPHRASE])
    assert exported.code == 0, exported.stderr
    fingerprint = Workspace(workspace.root).org_fingerprint()
    without_fingerprint = cli(station_root, "profile", "install", str(profile),
                              passwords=[PASSPHRASE])
    assert without_fingerprint.code == 2
    assert without_fingerprint.stderr == (
        f"error: first install: the profile's organisation key fingerprint is {fingerprint}; "
        f"pass --accept-fingerprint '{fingerprint}' after comparing it with the one your "
        "admin read out\n")
    wrong = cli(station_root, "profile", "install", str(profile), "--accept-fingerprint",
                "0000", passwords=[PASSPHRASE])
    assert "does not match" in wrong.stderr
    installed = cli(station_root, "profile", "install", str(profile), "--accept-fingerprint",
                    fingerprint, passwords=[PASSPHRASE])
    assert installed.code == 0, installed.stderr
    assets = cli(station_root, "-u", "anna", "assets", workspace.project_id,
                 passwords=[PASSWORDS["anna"]])
    assert assets.code == 0, assets.stderr
    assert assets.stdout == (f"no assets yet in project {workspace.project_id!r} on this "
                             f"station: import the bucket here ('labeler import "
                             f"{workspace.project_id}')\n")


@pytest.mark.parametrize(("option", "value", "message"), [
    ("--station", "st-someone-else", "station id 'st-someone-else' is invalid"),
    ("--valid-days", "3651", "validity of 3651 days is out of range"),
])
def test_profile_export_request_checked_first(workspace: DemoWorkspace, tmp_path: Path,
                                              option: str, value: str, message: str) -> None:
    arguments = {"--station": "st-0123456789abcdef", "--valid-days": "30", option: value}
    result = cli(workspace.root, "-u", "admin", "profile", "export", "--out",
                 str(tmp_path / "p.profile"), *(x for pair in arguments.items() for x in pair),
                 passwords=[])
    assert result.code == 2
    assert message in result.stderr
    assert not (tmp_path / "p.profile").exists()


# -- verify -------------------------------------------------------------------------


@pytest.fixture
def imported(tmp_path: Path) -> DemoWorkspace:
    bucket = tmp_path / "bucket"
    bucket.mkdir()
    (bucket / "note.txt").write_text("a note to import " * 20)
    built = build_workspace(tmp_path / "imported", bucket)
    session = built.sign_in("admin")
    try:
        project = session.open_project(built.project_id)
        run_import(project, next(iter(project.record["buckets"])))
        project.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        session.lock()
    return built


def test_verify_deep_finds_flipped_byte(imported: DemoWorkspace) -> None:
    chunk = next((imported.root / "projects").rglob("*.chunk"))
    data = bytearray(chunk.read_bytes())
    data[-20] ^= 0x01
    chunk.write_bytes(bytes(data))
    shallow = cli(imported.root, "-u", "admin", "verify", passwords=[PASSWORDS["admin"]])
    assert shallow.code == 0, shallow.stderr
    deep = cli(imported.root, "-u", "admin", "verify", "--deep",
               passwords=[PASSWORDS["admin"]])
    assert deep.code == 6
    assert "wrong key, or the data was damaged or moved" in deep.stderr


def test_verify_damaged_store_exits_6(imported: DemoWorkspace) -> None:
    store = imported.root / "projects" / imported.project_id / "store.db"
    data = bytearray(store.read_bytes())
    data[4096 + 100] ^= 0xFF
    store.write_bytes(bytes(data))
    result = cli(imported.root, "-u", "admin", "verify", passwords=[PASSWORDS["admin"]])
    assert result.code == 6
    assert "Traceback" not in result.stderr
    assert "restore store.db from a backup" in result.stderr


# -- errors, cancel and log -----------------------------------------------------------


def test_missing_file_is_plain(workspace: DemoWorkspace, tmp_path: Path) -> None:
    missing = tmp_path / "missing.profile"
    result = cli(workspace.root, "profile", "install", str(missing), passwords=[])
    assert result.stderr == f"error: cannot read {str(missing)!r}: no such file\n"


def test_folder_instead_of_file_is_plain(workspace: DemoWorkspace, tmp_path: Path) -> None:
    result = cli(workspace.root, "profile", "install", str(tmp_path), passwords=[])
    assert result.stderr == (f"error: cannot read {str(tmp_path)!r}: it is a folder, "
                             "expected a file\n")


def test_interrupted_import_explains_resume(imported: DemoWorkspace,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*_arguments: object, **_options: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(commands, "run_import", interrupted)
    result = cli(imported.root, "-u", "admin", "import", imported.project_id,
                 passwords=[PASSWORDS["admin"]])
    assert result.code == 130
    assert result.stderr == "error: cancelled; run the same import again to resume\n"


def test_failed_command_logs_its_message(workspace: DemoWorkspace, log_dir: Path) -> None:
    result = cli(workspace.root, "-u", "anna", "assets", "nope", passwords=[PASSWORDS["anna"]])
    assert result.code == 3
    log = (log_dir / "labeler.log").read_text()
    assert "command assets failed: there is no project 'nope' in this workspace" in log


def test_wrong_password_logs_user_only(workspace: DemoWorkspace, log_dir: Path) -> None:
    result = cli(workspace.root, "-u", "anna", "assets", workspace.project_id,
                 passwords=["typed-by-mistake"])
    assert result.code == 5
    log = (log_dir / "labeler.log").read_text()
    assert "sign-in failed for 'anna'" in log
    assert "command assets failed" not in log
    assert "typed-by-mistake" not in log
    assert WrongPasswordError.__name__ not in log


@pytest.mark.parametrize(("argv", "expected"), [
    (["-w", "ws1"], True),
    (["--workspace=ws1", "--debug"], True),
    (["-w", "ws1", "-u", "anna"], True),
    ([], False),
    (["-w"], False),
    (["-w", "ws1", "verify"], False),
    (["verify"], False),
])
def test_only_global_options(argv: list[str], expected: bool) -> None:
    assert has_only_global_options(argv) is expected


@pytest.fixture
def headless_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    env = {name: value for name, value in os.environ.items()
           if name not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM",
                           "LABELER_WORKSPACE")}
    env["LABELER_LOG_DIR"] = str(tmp_path / "logs")
    yield env


@pytest.mark.parametrize("is_workspace", [True, False])
def test_workspace_option_alone_opens_client(workspace: DemoWorkspace, tmp_path: Path,
                                             headless_env: dict[str, str],
                                             is_workspace: bool) -> None:
    import subprocess

    folder = workspace.root if is_workspace else tmp_path / "empty"
    folder.mkdir(exist_ok=True)
    result = subprocess.run([sys.executable, "-m", "labeler", "-w", str(folder)],
                            env=headless_env, capture_output=True, text=True, timeout=120,
                            cwd=Path(__file__).resolve().parents[2])
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("labeler: no display found")
    verdict = "is a Labeler workspace" if is_workspace else "is not a Labeler workspace"
    assert f"{str(folder)!r} {verdict}" in result.stdout

