"""Move original files to the keys a changed field policy requires.

Called by an admin (who holds every key) after a policy change: originals
that must now be hidden from some role get a display copy and move under the
class key of the cleared roles; originals whose class changed are encrypted
again under the new class (or the content key, when every role may now open
them). Old chunk files are deleted after the commit that stops naming them.
"""

from __future__ import annotations

import logging
import secrets

from labeler.core.content import ContentWriter
from labeler.core.media.redact import display_copy
from labeler.core.project import Project
from labeler.core.storage.chunks import CHUNK_BYTES, ChunkRef
from labeler.core.storage.store import transaction

logger = logging.getLogger(__name__)

_EMBEDDING_KINDS = ("image", "dicom", "video", "other")


def _target_class(project: Project) -> str | None:
    policy = project.policy
    return policy.original_class() if policy.needs_display_copies else None


def _reencrypt_blob(project: Project, blob_id: int, class_id: str | None) -> list[str]:
    """Encrypt a blob again under another key; return the chunk files to delete."""
    plaintext = project.read_blob(blob_id)
    old_files = [row[0] for row in project.db.execute(
        "SELECT file FROM chunks WHERE blob_id = ?", (blob_id,))]
    uid = secrets.token_hex(16)
    pieces = [plaintext[i:i + CHUNK_BYTES] for i in range(0, len(plaintext), CHUNK_BYTES)]
    refs: list[ChunkRef] = project.chunks.write_blob(
        pieces or [b""], size=len(plaintext), key=project.blob_key(class_id, project.key_version),
        blob_uid=uid)
    project.db.execute("DELETE FROM chunks WHERE blob_id = ?", (blob_id,))
    project.db.executemany("INSERT INTO chunks (blob_id, idx, file, size) VALUES (?, ?, ?, ?)",
                           [(blob_id, ref.index, ref.file, ref.size) for ref in refs])
    project.db.execute("UPDATE blobs SET uid = ?, class_id = ?, key_version = ?, chunk_count = ?"
                       " WHERE id = ?", (uid, class_id, project.key_version, len(refs), blob_id))
    return old_files


def reclass_originals(project: Project, max_pixels: int) -> int:
    """Bring every original file under the key the project's current policy requires.

    Returns the number of originals moved or given a display copy.
    """
    target = _target_class(project)
    writer = ContentWriter(project, max_pixels)
    rows = project.db.execute(
        "SELECT a.id, a.path, a.kind, a.format, a.orientation, a.blob_id, a.original_blob_id,"
        " b.class_id FROM assets a JOIN blobs b ON b.id = coalesce(a.original_blob_id, a.blob_id)"
        f" WHERE a.kind IN ({', '.join('?' * len(_EMBEDDING_KINDS))})",
        _EMBEDDING_KINDS).fetchall()
    stale: list[str] = []
    moved = 0
    done: set[int] = set()
    with transaction(project.db):
        for asset_id, path, kind, image_format, orientation, blob_id, original_id, class_id \
                in rows:
            original = original_id or blob_id
            if original_id is None and target is not None and kind in ("image", "dicom"):
                data = project.read_blob(blob_id)
                copy = display_copy(data, name=path, image_format=image_format, kind=kind,
                                    orientation=orientation, max_pixels=max_pixels)
                if copy is not None and copy != data:
                    display_id = writer.store_bytes(copy, None)
                    project.db.execute("UPDATE assets SET blob_id = ?, original_blob_id = ?"
                                       " WHERE id = ?", (display_id, blob_id, asset_id))
                    moved += 1
            if class_id != target and original not in done:
                stale += _reencrypt_blob(project, original, target)
                done.add(original)
                moved += 1
        project.audit("originals_reclassed", project.id, {"count": moved})
    project.chunks.sync_pending()
    project.chunks.delete(stale)
    logger.info("moved %d originals of project %s to their new keys", moved, project.id)
    return moved
