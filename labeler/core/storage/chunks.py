"""Content bytes as encrypted chunk files beside the project store.

Each chunk holds up to CHUNK_BYTES of plaintext, encrypted with AES-256-GCM
under the project's content key (or a class key), with a fresh nonce and an
AAD that binds project, blob (its random uid), variant, chunk index and chunk
count. A chunk
moved to another blob or position, a swapped chunk, or a dropped last chunk
therefore fails to decrypt. File names are random and reveal nothing about the
content. A chunk is synced to disk before the store row that names it is
committed; files that no row names are orphans and `collect_orphans` removes
them.
"""

from __future__ import annotations

import ctypes
import functools
import logging
import os
import secrets
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Final, Iterable, Iterator

from labeler.core.crypto.primitives import SecretKey, decrypt, encrypt
from labeler.core.errors import CryptoError, StorageError
from labeler.core.files import fsync_directory

logger = logging.getLogger(__name__)

CHUNK_BYTES: Final = 1024 * 1024
MAX_WRITES_IN_FLIGHT: Final = 4
MAGIC: Final = b"LBC1"
SUFFIX: Final = ".chunk"


@dataclass(frozen=True)
class ChunkRef:
    index: int
    file: str
    size: int


def chunk_count(size: int) -> int:
    return max(1, -(-size // CHUNK_BYTES))


def _aad(project_id: str, blob_uid: str, variant: str, index: int, count: int) -> bytes:
    return f"labeler-chunk-v1|{project_id}|{blob_uid}|{variant}|{index}|{count}".encode()


class ChunkFolder:
    """The folder of one project's chunk files."""

    def __init__(self, folder: Path, project_id: str) -> None:
        self.folder = folder
        self.project_id = project_id
        self._pending: list[Path] = []
        folder.mkdir(parents=True, exist_ok=True)

    def _path(self, name: str) -> Path:
        return self.folder / name[:2] / (name + SUFFIX)

    def write_blob(self, pieces: Iterable[bytes], *, size: int, key: SecretKey,
                   blob_uid: str, variant: str = "original",
                   sync: bool = True) -> list[ChunkRef]:
        """Encrypt and write content given as pieces of at most CHUNK_BYTES.

        With `sync`, every file and every folder that got a new file is synced
        before this returns. Without it the caller must call `sync_pending`
        before committing any row that names these chunks; a batch of files is
        then flushed with one `syncfs` instead of one fsync per file.
        """
        count = chunk_count(size)
        refs: list[ChunkRef] = []
        touched: set[Path] = set()
        writes: list[Future[None]] = []
        try:
            for index, piece in enumerate(pieces):
                if index >= count:
                    raise StorageError("the content grew while it was being stored")
                aad = _aad(self.project_id, blob_uid, variant, index, count)
                name = secrets.token_hex(16)
                path = self._path(name)
                refs.append(ChunkRef(index, name, len(piece)))
                # Writing overlaps with hashing and encrypting the next piece:
                # os.write and fsync release the GIL.
                writes.append(_writer().submit(self._write_file, path,
                                               MAGIC + encrypt(key, piece, aad), sync=sync))
                if len(writes) > MAX_WRITES_IN_FLIGHT:
                    # Bound the memory of a large file to a few encrypted pieces.
                    writes[-MAX_WRITES_IN_FLIGHT - 1].result()
                touched.add(path.parent)
                if not sync:
                    self._pending.append(path)
            for write in writes:
                write.result()
            if len(refs) != count:
                raise StorageError("the content shrank while it was being stored")
            if sync:
                for folder in touched:
                    fsync_directory(folder)
        except BaseException:
            for write in writes:
                write.cancel()
            wait(writes)
            self.delete(ref.file for ref in refs)
            raise
        return refs

    def _write_file(self, path: Path, data: bytes, *, sync: bool) -> None:
        path.parent.mkdir(exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            view = memoryview(data)
            while view:
                written = os.write(descriptor, view)
                view = view[written:]
            if sync:
                os.fsync(descriptor)
        finally:
            os.close(descriptor)

    def sync_pending(self) -> None:
        """Make every chunk written with `sync=False` durable, folders included."""
        if not self._pending:
            return
        if not _syncfs(self.folder):
            for path in self._pending:
                try:
                    descriptor = os.open(path, os.O_RDONLY)
                except FileNotFoundError:
                    continue  # deleted again after a failed or duplicate write
                try:
                    os.fsync(descriptor)
                finally:
                    os.close(descriptor)
            for folder in {path.parent for path in self._pending}:
                fsync_directory(folder)
        self._pending.clear()

    def read_blob(self, refs: list[ChunkRef], *, key: SecretKey, blob_uid: str,
                  variant: str = "original") -> bytes:
        return b"".join(self.iter_blob(refs, key=key, blob_uid=blob_uid, variant=variant))

    def iter_blob(self, refs: list[ChunkRef], *, key: SecretKey, blob_uid: str,
                  variant: str = "original") -> Iterator[bytes]:
        count = len(refs)
        for position, ref in enumerate(sorted(refs, key=lambda r: r.index)):
            if ref.index != position:
                raise CryptoError("a chunk is missing; the content is damaged")
            try:
                data = self._path(ref.file).read_bytes()
            except OSError as error:
                raise StorageError(
                    f"cannot read a content chunk of this asset: {error.strerror}"
                ) from error
            if not data.startswith(MAGIC):
                raise CryptoError("a content chunk is damaged")
            aad = _aad(self.project_id, blob_uid, variant, ref.index, count)
            yield decrypt(key, data[len(MAGIC):], aad)

    def delete(self, names: Iterable[str]) -> None:
        for name in names:
            self._path(name).unlink(missing_ok=True)

    def all_files(self) -> Iterator[tuple[str, Path]]:
        for shard in self.folder.iterdir():
            if not shard.is_dir():
                continue
            for path in shard.iterdir():
                if path.name.endswith(SUFFIX):
                    yield path.name[: -len(SUFFIX)], path

    def collect_orphans(self, referenced: set[str], *, min_age_seconds: float = 0.0) -> int:
        """Delete chunk files that no store row names; return how many went.

        Call it only while holding the project's write lock, or with an age
        limit longer than any write can take, so a chunk written but not yet
        committed by another writer is not taken for an orphan.
        """
        removed = 0
        now = time.time()
        for name, path in self.all_files():
            if name in referenced:
                continue
            try:
                if now - path.stat().st_mtime < min_age_seconds:
                    continue
                path.unlink()
                removed += 1
            except FileNotFoundError:
                continue
        if removed:
            logger.info("removed %d orphaned chunk files from %r", removed, str(self.folder))
        return removed


def _syncfs(folder: Path) -> bool:
    """Flush the whole file system holding `folder` (Linux syncfs); False if unavailable."""
    syncfs = getattr(_libc(), "syncfs", None)
    if syncfs is None:
        return False
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        if syncfs(descriptor) != 0:
            raise StorageError(f"cannot flush {str(folder)!r} to disk: {os.strerror(ctypes.get_errno())}")
    finally:
        os.close(descriptor)
    return True


@functools.cache
def _writer() -> ThreadPoolExecutor:
    """Background threads shared by every chunk folder for file writes."""
    return ThreadPoolExecutor(max_workers=2, thread_name_prefix="labeler-chunk-writer")


@functools.cache
def _libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def read_pieces(stream: BinaryIO) -> Iterator[bytes]:
    """Yield a stream's bytes in CHUNK_BYTES pieces (one empty piece for an empty stream)."""
    first = True
    while True:
        piece = stream.read(CHUNK_BYTES)
        if not piece:
            if first:
                yield b""
            return
        first = False
        yield piece
