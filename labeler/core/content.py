"""Store an imported file's bytes as encrypted blobs, with a display copy when needed.

A blob is a run of chunk files encrypted under the content key or, when
`class_id` is set, under that field class's key. Same content is stored once
per key: a file already stored is found by its SHA-256 and its new chunks are
deleted again.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from labeler.core.errors import MediaError
from labeler.core.media.kinds import AssetKind
from labeler.core.media.probe import ProbeResult
from labeler.core.media.redact import display_copy
from labeler.core.project import Project
from labeler.core.storage.chunks import CHUNK_BYTES, read_pieces

# Kinds whose files can carry embedded metadata worth hiding.
_EMBEDDING_KINDS = frozenset({AssetKind.IMAGE, AssetKind.DICOM, AssetKind.VIDEO,
                              AssetKind.OTHER})


@dataclass(frozen=True)
class StoredContent:
    blob_id: int  # what every project member opens
    original_blob_id: int | None  # the original, when blob_id is a display copy
    sha256: str  # of the original file
    size: int


class ContentWriter:
    """Writes blobs inside the caller's transaction; chunks are synced before its commit."""

    def __init__(self, project: Project, max_pixels: int) -> None:
        self.project = project
        self.max_pixels = max_pixels

    def store_file(self, path: Path, size: int, probe: ProbeResult,
                   name: str) -> StoredContent:
        """Store a file: whole, or as original plus display copy when the policy needs it."""
        policy = self.project.policy
        if not (policy.needs_display_copies and probe.kind in _EMBEDDING_KINDS):
            blob_id, sha256, stored = self._store_stream(path, size, None, name)
            return StoredContent(blob_id, None, sha256, stored)
        data = path.read_bytes() if probe.kind in (AssetKind.IMAGE, AssetKind.DICOM) else None
        copy = None if data is None else display_copy(
            data, name=path.name, image_format=probe.format, kind=str(probe.kind),
            orientation=probe.orientation, max_pixels=self.max_pixels)
        if data is not None and copy == data:
            blob_id, sha256, stored = self._store_stream(path, size, None, name)
            return StoredContent(blob_id, None, sha256, stored)
        original, sha256, stored = self._store_stream(path, size, policy.original_class(), name)
        if copy is None:
            return StoredContent(original, None, sha256, stored)
        return StoredContent(self.store_bytes(copy, None), original, sha256, stored)

    def store_bytes(self, data: bytes, class_id: str | None) -> int:
        digest = hashlib.sha256(data).hexdigest()
        pieces = [data[i:i + CHUNK_BYTES] for i in range(0, len(data), CHUNK_BYTES)] or [b""]
        return self._write(pieces, len(data), class_id, lambda: digest)[0]

    def _store_stream(self, path: Path, size: int, class_id: str | None,
                      name: str) -> tuple[int, str, int]:
        digest = hashlib.sha256()
        with open(path, "rb") as stream:
            blob_id, stored = self._write(_hashed_pieces(stream, digest), size, class_id,
                                          digest.hexdigest, expected_size=size, name=name)
        return blob_id, digest.hexdigest(), stored

    def _write(self, pieces: Iterable[bytes], size: int, class_id: str | None,
               sha256: Any, *, expected_size: int | None = None,
               name: str = "") -> tuple[int, int]:
        """Encrypt pieces into chunks; reuse a blob of the same content; return (id, size).

        `sha256` is called after the pieces are consumed, so a stream is hashed
        while it is encrypted.
        """
        project = self.project
        uid = secrets.token_hex(16)
        key = project.blob_key(class_id, project.key_version)
        refs = project.chunks.write_blob(pieces, size=size, key=key, blob_uid=uid, sync=False)
        stored = sum(ref.size for ref in refs)
        if expected_size is not None and stored != expected_size:
            project.chunks.delete(ref.file for ref in refs)
            raise MediaError(f"{name}: the file changed while it was imported; import again")
        digest = sha256()
        row = project.db.execute("SELECT id FROM blobs WHERE sha256 = ?", (digest,)).fetchone()
        if row:
            project.chunks.delete(ref.file for ref in refs)
            return int(row[0]), stored
        cursor = project.db.execute(
            "INSERT INTO blobs (uid, sha256, size, chunk_count, key_version, class_id)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (uid, digest, stored, len(refs), project.key_version, class_id))
        blob_id = int(cursor.lastrowid)
        project.db.executemany(
            "INSERT INTO chunks (blob_id, idx, file, size) VALUES (?, ?, ?, ?)",
            [(blob_id, ref.index, ref.file, ref.size) for ref in refs])
        return blob_id, stored


def _hashed_pieces(stream: Any, digest: Any) -> Iterator[bytes]:
    """Yield a stream in chunk-sized pieces, feeding each into `digest`."""
    for piece in read_pieces(stream):
        digest.update(piece)
        yield piece
