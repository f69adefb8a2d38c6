"""Check a workspace end to end: signatures, stores, chunks and audit chains.

Each check reports what it finds and carries on, so one damaged store does not
hide the state of the others. By default chunk files are checked for presence
and exact size, which catches truncation without decrypting. `deep=True` also
decrypts every chunk, which catches any changed byte but reads all content.

Run by an admin, the check compares the manifest's version with the highest
version recorded in the workspace audit log, which catches an older manifest
put back together with an edited trust.json. It cannot catch a copy of the
whole folder put back, audit log included: only a record kept elsewhere can.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Iterator

import sqlcipher3

from labeler.core.audit import verify_project_audit
from labeler.core.crypto.primitives import NONCE_BYTES, b64decode, verify_signature
from labeler.core.errors import LabelerError, SignatureError
from labeler.core.session import Session
from labeler.core.storage.chunks import MAGIC, ChunkRef

if TYPE_CHECKING:
    from labeler.core.project import Project

GCM_TAG_BYTES: Final = 16
# A report lists this many example chunk files per kind of problem, then a count.
MAX_NAMED_FILES: Final = 3


@dataclass
class VerifyReport:
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def expected_chunk_file_size(plaintext_size: int) -> int:
    """Return the size of a chunk file holding `plaintext_size` bytes of content.

    The file is the magic, then the nonce, the AES-GCM ciphertext (as long as
    the plaintext) and the tag; see `labeler.core.storage.chunks`.
    """
    return len(MAGIC) + NONCE_BYTES + plaintext_size + GCM_TAG_BYTES


@contextlib.contextmanager
def _reported(report: VerifyReport, subject: str) -> Iterator[None]:
    """Turn an error raised by one check into a problem line, and carry on."""
    try:
        yield
    except sqlcipher3.DatabaseError as error:
        report.problems.append(
            f"{subject}: the store cannot be read ({error}); restore store.db from a backup")
    except LabelerError as error:
        report.problems.append(f"{subject}: {error}")


def _check_keyring_signatures(session: Session, report: VerifyReport) -> None:
    from labeler.core.crypto.keyring import _grant_signed_part

    workspace = session.workspace
    for user in sorted(workspace.manifest["users"]):
        try:
            document = workspace.read_keyring(user)
            for grant in document.get("grants", []):
                verify_signature(workspace.org_public_key,
                                 b64decode(grant["signature"], what="a grant signature"),
                                 _grant_signed_part(grant, user))
        except (LabelerError, KeyError) as error:
            report.problems.append(f"keyring of {user!r}: {error}")
    report.lines.append(f"keyrings: {len(workspace.manifest['users'])} checked")


def _check_project_folders(session: Session, report: VerifyReport) -> None:
    """Report folders under projects/ that the manifest does not name."""
    folder = session.workspace.root / "projects"
    if not folder.is_dir():
        return
    known = set(session.workspace.manifest["projects"])
    for path in sorted(folder.iterdir()):
        if path.is_dir() and path.name not in known:
            report.problems.append(
                f"project folder {str(path)!r} is not a project of the manifest: an older "
                "manifest may have been put back, or the folder was copied in; compare the "
                "workspace with a backup")


def _check_project(session: Session, project_id: str, report: VerifyReport,
                   deep: bool) -> None:
    subject = f"project {project_id!r}"
    project = None
    with _reported(report, subject):
        project = session.open_project(project_id)
    if project is None:
        return
    try:
        with _reported(report, f"{subject}: store pages"):
            bad_pages = project.db.execute("PRAGMA cipher_integrity_check").fetchall()
            if bad_pages:
                report.problems.append(
                    f"{subject}: {len(bad_pages)} store pages fail their authentication "
                    "code, so they were changed or damaged; restore store.db from a backup")
        with _reported(report, f"{subject}: store integrity"):
            _check_store_integrity(project, report)
        chunk_count: int | None = None
        with _reported(report, f"{subject}: chunks"):
            chunk_count = _check_chunk_files(project, report)
        if deep:
            with _reported(report, f"{subject}: content"):
                _decrypt_every_blob(project, report)
        audit_intact = False
        with _reported(report, f"{subject}: audit"):
            problem = verify_project_audit(project.db, session.workspace.public_signing_keys())
            if problem:
                report.problems.append(f"{subject}: audit entry {problem.seq}: {problem.reason}")
            audit_intact = problem is None
        _summarise_project(project, report, chunk_count, audit_intact)
    finally:
        project.close()


def _check_store_integrity(project: Project, report: VerifyReport) -> None:
    rows = project.db.execute("PRAGMA integrity_check").fetchall()
    if [tuple(row) for row in rows] == [("ok",)]:
        return
    # Each row may hold several lines, headed by "*** in database main ***".
    errors = [line for row in rows for line in str(row[0]).splitlines()
              if line and not line.startswith("***")]
    first = errors[0] if errors else "no details"
    report.problems.append(
        f"project {project.id!r}: the store integrity check found {len(errors)} errors "
        f"(first: {first}); restore store.db from a backup")


def _summarise_project(project: Project, report: VerifyReport, chunk_count: int | None,
                       audit_intact: bool) -> None:
    parts = []
    with _reported(report, f"project {project.id!r}: assets"):
        parts.append(f"{project.count_assets()} assets")
    if chunk_count is not None:
        parts.append(f"{chunk_count} chunks")
    if audit_intact:
        parts.append("audit chain intact")
    report.lines.append(f"project {project.id!r}: {', '.join(parts) or 'not readable'}")


def _check_chunk_files(project: Project, report: VerifyReport) -> int:
    """Check that every chunk the store names exists with the exact expected size.

    Returns the number of chunks the store names.
    """
    subject = f"project {project.id!r}"
    expected = {name: expected_chunk_file_size(size) for name, size in
                project.db.execute("SELECT file, size FROM chunks")}
    on_disk = dict(project.chunks.all_files())
    missing = sorted(set(expected) - set(on_disk))
    if missing:
        report.problems.append(f"{subject}: {len(missing)} chunk files missing")
    wrong_size = []
    for name in sorted(set(expected) & set(on_disk)):
        try:
            actual = on_disk[name].stat().st_size
        except FileNotFoundError:
            actual = None
        if actual != expected[name]:
            wrong_size.append((on_disk[name], actual, expected[name]))
    if wrong_size:
        examples = "; ".join(f"{str(path)!r} is {actual} bytes, expected {size}"
                             for path, actual, size in wrong_size[:MAX_NAMED_FILES])
        report.problems.append(
            f"{subject}: {len(wrong_size)} chunk files have the wrong size, so they are "
            f"truncated or damaged ({examples})")
    orphaned = len(set(on_disk) - set(expected))
    if orphaned:
        report.lines.append(f"{subject}: {orphaned} orphaned chunk files (no store row "
                            "names them; the next import removes them)")
    return len(expected)


def _blob_rows(project: Project) -> list[tuple[Any, ...]]:
    """Return (id, uid, key_version, class_id) of every blob; class_id None if absent."""
    columns = {row[1] for row in project.db.execute("PRAGMA table_info(blobs)")}
    class_column = "class_id" if "class_id" in columns else "NULL"
    return project.db.execute(
        f"SELECT id, uid, key_version, {class_column} FROM blobs ORDER BY id").fetchall()


def _decrypt_every_blob(project: Project, report: VerifyReport) -> None:
    """Decrypt every chunk of every blob whose key the signed-in user holds."""
    subject = f"project {project.id!r}"
    checked = 0
    unchecked: dict[str, int] = {}
    for blob_id, uid, key_version, class_id in _blob_rows(project):
        refs = [ChunkRef(i, f, s) for i, f, s in project.db.execute(
            "SELECT idx, file, size FROM chunks WHERE blob_id = ? ORDER BY idx", (blob_id,))]
        try:
            if class_id is None:
                key = project.content_key(key_version)
            else:
                class_key = project.class_key(class_id, key_version)
                if class_key is None:
                    unchecked[class_id] = unchecked.get(class_id, 0) + 1
                    continue
                key = class_key
            for _piece in project.chunks.iter_blob(refs, key=key, blob_uid=uid):
                pass
            checked += 1
        except LabelerError as error:
            report.problems.append(f"{subject}: content {blob_id}: {error}")
    report.lines.append(f"{subject}: {checked} contents decrypted")
    for class_id, count in sorted(unchecked.items()):
        report.lines.append(
            f"{subject}: {count} contents not checked (no key for class {class_id})")


def _check_workspace_audit(session: Session, report: VerifyReport) -> None:
    """Check the workspace audit chain and the manifest version it records (admins only)."""
    workspace = session.workspace
    org = session.keyring.org
    if org is None:
        report.lines.append("workspace audit log and manifest history not checked: only an "
                            "admin can read them")
        return
    entries, problem = workspace.audit_log.read(org.encryption_key)
    if problem:
        report.problems.append(f"workspace audit entry {problem.seq}: {problem.reason}")
    else:
        report.lines.append(f"workspace audit log: {len(entries)} entries, chain intact")
    logged = [int(entry.get("details", {}).get("version", 0)) for entry in entries
              if entry.get("action") == "manifest_written"]
    version = int(workspace.manifest["version"])
    if not logged:
        report.lines.append("manifest history: the audit log records no manifest version")
    elif max(logged) > version:
        report.problems.append(
            f"the manifest is version {version} but the audit log records version "
            f"{max(logged)}: an older manifest was put back")
    else:
        report.lines.append(f"manifest history: version {version} matches the audit log")


def verify_workspace(session: Session, *, deep: bool = False) -> VerifyReport:
    """Verify everything the signed-in user holds keys for.

    Args:
        deep: also decrypt every chunk of every content with its key.
    """
    report = VerifyReport()
    workspace = session.workspace
    report.lines.append(
        f"manifest version {workspace.manifest['version']}: signature valid "
        f"(organisation key {workspace.org_fingerprint()})")
    _check_keyring_signatures(session, report)
    with _reported(report, "project folders"):
        _check_project_folders(session, report)
    for project in session.projects():
        _check_project(session, project["id"], report, deep)
    with _reported(report, "workspace audit log"):
        _check_workspace_audit(session, report)
    return report


__all__ = ["VerifyReport", "expected_chunk_file_size", "verify_workspace", "SignatureError"]
