"""Workspace verification: chunk sizes, deep decryption, damaged stores, rollbacks."""

from __future__ import annotations

import json
import secrets
import shutil
from pathlib import Path

import pytest

from labeler.core.ingest import run_import
from labeler.core.policy.fields import class_for_roles
from labeler.core.session import Session
from labeler.core.storage.chunks import read_pieces
from labeler.core.storage.store import transaction
from labeler.core.verify import expected_chunk_file_size, verify_workspace
from tests.core.factories import DemoWorkspace, build_workspace


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> DemoWorkspace:
    """A workspace whose project imported two small text files."""
    base = tmp_path_factory.mktemp("verify")
    bucket = base / "bucket"
    bucket.mkdir()
    (bucket / "first.txt").write_text("first file " * 100)
    (bucket / "second.txt").write_text("second file " * 50)
    built = build_workspace(base / "ws", bucket)
    session = built.sign_in("admin")
    try:
        project = session.open_project(built.project_id)
        report = run_import(project, next(iter(project.record["buckets"])))
        assert report.added == 2
        project.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        session.lock()
    return built


@pytest.fixture
def workspace(imported: DemoWorkspace, tmp_path: Path) -> DemoWorkspace:
    """A private copy of the imported workspace that a test may damage."""
    root = tmp_path / "ws"
    shutil.copytree(imported.root, root)
    return DemoWorkspace(root, imported.project_id)


def _verify(workspace: DemoWorkspace, user: str = "admin", *, deep: bool = False) -> list[str]:
    """Return the problems verify reports; its other lines go to `_verify_lines`."""
    session = workspace.sign_in(user)
    try:
        return verify_workspace(session, deep=deep).problems
    finally:
        session.lock()


def _verify_lines(workspace: DemoWorkspace, user: str, *, deep: bool = False) -> list[str]:
    session = workspace.sign_in(user)
    try:
        report = verify_workspace(session, deep=deep)
    finally:
        session.lock()
    assert report.problems == []
    return report.lines


def _chunk_files(workspace: DemoWorkspace) -> list[Path]:
    folder = workspace.root / "projects" / workspace.project_id / "chunks"
    return sorted(folder.rglob("*.chunk"))


def test_intact_workspace_has_no_problems(workspace: DemoWorkspace) -> None:
    assert _verify(workspace) == []
    assert _verify(workspace, deep=True) == []


def test_chunk_file_size_formula(workspace: DemoWorkspace) -> None:
    sizes = sorted(path.stat().st_size for path in _chunk_files(workspace))
    assert sizes == sorted([expected_chunk_file_size(len("first file " * 100)),
                            expected_chunk_file_size(len("second file " * 50))])


def test_truncated_chunk_found_without_deep(workspace: DemoWorkspace) -> None:
    chunk = _chunk_files(workspace)[0]
    chunk.write_bytes(chunk.read_bytes()[:-1])
    problems = _verify(workspace)
    assert len(problems) == 1
    assert "1 chunk files have the wrong size" in problems[0]
    assert str(chunk) in problems[0]


def test_flipped_chunk_byte_found_only_by_deep(workspace: DemoWorkspace) -> None:
    chunk = _chunk_files(workspace)[0]
    data = bytearray(chunk.read_bytes())
    data[40] ^= 0x01
    chunk.write_bytes(bytes(data))
    assert _verify(workspace) == []
    problems = _verify(workspace, deep=True)
    assert len(problems) == 1
    assert "wrong key, or the data was damaged or moved" in problems[0]


def _add_class_blob(workspace: DemoWorkspace, class_id: str) -> None:
    """Store one content encrypted under a class key, as the store names it."""
    session = workspace.sign_in("admin")
    try:
        project = session.open_project(workspace.project_id)
        key = project.class_key(class_id, project.key_version)
        assert key is not None
        uid = secrets.token_hex(16)
        content = b"original with embedded metadata"
        refs = project.chunks.write_blob(read_pieces(_Stream(content)), size=len(content),
                                         key=key, blob_uid=uid)
        with transaction(project.db):
            cursor = project.db.execute(
                "INSERT INTO blobs (uid, sha256, size, chunk_count, key_version, class_id)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (uid, secrets.token_hex(32), len(content), len(refs), project.key_version,
                 class_id))
            for ref in refs:
                project.db.execute("INSERT INTO chunks (blob_id, idx, file, size)"
                                   " VALUES (?, ?, ?, ?)",
                                   (cursor.lastrowid, ref.index, ref.file, ref.size))
    finally:
        session.lock()


class _Stream:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def read(self, size: int) -> bytes:
        piece, self.data = self.data[:size], self.data[size:]
        return piece


def test_deep_uses_class_key_or_reports_unchecked(workspace: DemoWorkspace) -> None:
    class_id = class_for_roles(["admin", "reviewer"])
    _add_class_blob(workspace, class_id)
    admin_lines = _verify_lines(workspace, "admin", deep=True)
    assert f"project {workspace.project_id!r}: 3 contents decrypted" in admin_lines
    annotator_lines = _verify_lines(workspace, "anna", deep=True)
    assert f"project {workspace.project_id!r}: 2 contents decrypted" in annotator_lines
    assert (f"project {workspace.project_id!r}: 1 contents not checked "
            f"(no key for class {class_id})") in annotator_lines


def test_damaged_store_page_reported(workspace: DemoWorkspace) -> None:
    store = workspace.root / "projects" / workspace.project_id / "store.db"
    data = bytearray(store.read_bytes())
    data[4096 + 100] ^= 0xFF  # inside the second page; the first must open
    store.write_bytes(bytes(data))
    problems = _verify(workspace)
    assert problems
    assert any("restore store.db from a backup" in problem for problem in problems)


def test_rolled_back_manifest_is_reported(workspace: DemoWorkspace) -> None:
    old_manifest = (workspace.root / "workspace.json").read_bytes()
    old_version = json.loads(old_manifest)["manifest"]["version"]
    session = workspace.sign_in("admin")
    session.add_team("later")
    session.lock()
    (workspace.root / "workspace.json").write_bytes(old_manifest)
    trust = json.loads((workspace.root / "trust.json").read_text())
    trust["manifest_version"] = old_version
    (workspace.root / "trust.json").write_text(json.dumps(trust))
    problems = _verify(workspace)
    assert problems == [f"the manifest is version {old_version} but the audit log records "
                        f"version {old_version + 1}: an older manifest was put back"]


def test_unknown_project_folder_is_reported(workspace: DemoWorkspace) -> None:
    (workspace.root / "projects" / "copied-in").mkdir()
    problems = _verify(workspace)
    assert len(problems) == 1
    assert "copied-in" in problems[0]
    assert "is not a project of the manifest" in problems[0]


def test_annotator_is_told_history_is_unchecked(workspace: DemoWorkspace) -> None:
    lines = _verify_lines(workspace, "anna")
    assert any("manifest history not checked" in line for line in lines)


def test_manifest_writes_are_audited(workspace: DemoWorkspace) -> None:
    session = workspace.sign_in("admin")
    try:
        session.add_team("audited")
        version = session.workspace.manifest["version"]
        entries = session.read_workspace_audit()
    finally:
        session.lock()
    written = [entry for entry in entries if entry["action"] == "manifest_written"]
    assert written[-1]["details"] == {"version": version}
    assert written[-1]["user"] == "admin"


def test_new_workspace_history_matches(tmp_path: Path) -> None:
    other = build_workspace(tmp_path / "other")
    session = Session.sign_in(other.root, "admin", "admin-pass-1")
    try:
        report = verify_workspace(session)
    finally:
        session.lock()
    assert report.problems == []
    assert any("matches the audit log" in line for line in report.lines)
