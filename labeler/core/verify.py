"""Check a workspace end to end: signatures, stores, chunks and audit chains."""

from __future__ import annotations

from dataclasses import dataclass, field

from labeler.core.audit import verify_project_audit
from labeler.core.crypto.primitives import b64decode, verify_signature
from labeler.core.errors import LabelerError, SignatureError
from labeler.core.session import Session
from labeler.core.storage.chunks import ChunkRef


@dataclass
class VerifyReport:
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


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


def _check_project(session: Session, project_id: str, report: VerifyReport,
                   deep: bool) -> None:
    try:
        project = session.open_project(project_id)
    except LabelerError as error:
        report.problems.append(f"project {project_id!r}: {error}")
        return
    try:
        db = project.db
        bad_pages = db.execute("PRAGMA cipher_integrity_check").fetchall()
        if bad_pages:
            report.problems.append(f"project {project_id!r}: {len(bad_pages)} damaged pages")
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
        if integrity != "ok":
            report.problems.append(f"project {project_id!r}: store integrity: {integrity}")
        referenced = {row[0] for row in db.execute("SELECT file FROM chunks")}
        on_disk = {name for name, _path in project.chunks.all_files()}
        missing = referenced - on_disk
        if missing:
            report.problems.append(f"project {project_id!r}: {len(missing)} chunk files missing")
        if deep:
            _decrypt_every_blob(project, report)
        problem = verify_project_audit(db, session.workspace.public_signing_keys())
        if problem:
            report.problems.append(
                f"project {project_id!r}: audit entry {problem.seq}: {problem.reason}")
        assets = project.count_assets()
        report.lines.append(
            f"project {project_id!r}: {assets} assets, {len(referenced)} chunks, "
            f"{len(on_disk - referenced)} orphaned chunk files, audit chain intact"
            if not problem else f"project {project_id!r}: {assets} assets")
    finally:
        project.close()


def _decrypt_every_blob(project: object, report: VerifyReport) -> None:
    from labeler.core.project import Project

    assert isinstance(project, Project)
    blobs = project.db.execute("SELECT id, uid, key_version FROM blobs").fetchall()
    for blob_id, uid, key_version in blobs:
        refs = [ChunkRef(i, f, s) for i, f, s in project.db.execute(
            "SELECT idx, file, size FROM chunks WHERE blob_id = ? ORDER BY idx", (blob_id,))]
        try:
            for _piece in project.chunks.iter_blob(refs, key=project.content_key(key_version),
                                                   blob_uid=uid):
                pass
        except LabelerError as error:
            report.problems.append(f"project {project.id!r}: content {blob_id}: {error}")


def verify_workspace(session: Session, *, deep: bool = False) -> VerifyReport:
    """Verify everything the signed-in user holds keys for."""
    report = VerifyReport()
    workspace = session.workspace
    report.lines.append(
        f"manifest version {workspace.manifest['version']}: signature valid "
        f"(organisation key {workspace.org_fingerprint()})")
    _check_keyring_signatures(session, report)
    for project in session.projects():
        _check_project(session, project["id"], report, deep)
    if session.keyring.org is not None:
        _entries, problem = workspace.audit_log.read(session.keyring.org.encryption_key)
        if problem:
            report.problems.append(f"workspace audit entry {problem.seq}: {problem.reason}")
        else:
            report.lines.append(f"workspace audit log: {len(_entries)} entries, chain intact")
    return report


__all__ = ["VerifyReport", "verify_workspace", "SignatureError"]
