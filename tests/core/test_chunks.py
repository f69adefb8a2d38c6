"""Encrypted chunk files: round trip, binding to position, orphan collection."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from labeler.core.crypto.primitives import SecretKey
from labeler.core.errors import CryptoError
from labeler.core.storage.chunks import CHUNK_BYTES, ChunkFolder, ChunkRef


def _pieces(data: bytes) -> list[bytes]:
    return [data[i : i + CHUNK_BYTES] for i in range(0, len(data), CHUNK_BYTES)] or [b""]


@pytest.fixture
def content() -> bytes:
    return os.urandom(CHUNK_BYTES * 2 + 1234)


def test_blob_round_trip(tmp_path: Path, content: bytes) -> None:
    folder = ChunkFolder(tmp_path, "p")
    key = SecretKey.generate()
    refs = folder.write_blob(_pieces(content), size=len(content), key=key, blob_uid="a")
    assert len(refs) == 3
    assert folder.read_blob(refs, key=key, blob_uid="a") == content


def test_chunk_of_other_blob_fails(tmp_path: Path, content: bytes) -> None:
    folder = ChunkFolder(tmp_path, "p")
    key = SecretKey.generate()
    refs = folder.write_blob(_pieces(content), size=len(content), key=key, blob_uid="a")
    with pytest.raises(CryptoError):
        folder.read_blob(refs, key=key, blob_uid="b")


def test_swapped_chunks_fail(tmp_path: Path, content: bytes) -> None:
    folder = ChunkFolder(tmp_path, "p")
    key = SecretKey.generate()
    refs = folder.write_blob(_pieces(content), size=len(content), key=key, blob_uid="a")
    swapped = [ChunkRef(0, refs[1].file, refs[1].size), ChunkRef(1, refs[0].file, refs[0].size),
               refs[2]]
    with pytest.raises(CryptoError):
        folder.read_blob(swapped, key=key, blob_uid="a")


def test_dropped_last_chunk_fails(tmp_path: Path, content: bytes) -> None:
    folder = ChunkFolder(tmp_path, "p")
    key = SecretKey.generate()
    refs = folder.write_blob(_pieces(content), size=len(content), key=key, blob_uid="a")
    with pytest.raises(CryptoError):
        folder.read_blob(refs[:2], key=key, blob_uid="a")


def test_chunk_files_hold_no_plaintext(tmp_path: Path) -> None:
    folder = ChunkFolder(tmp_path, "p")
    content = b"PLAINTEXT-MARKER " * 1000
    folder.write_blob(_pieces(content), size=len(content), key=SecretKey.generate(),
                      blob_uid="a")
    for _name, path in folder.all_files():
        assert b"PLAINTEXT-MARKER" not in path.read_bytes()


def test_orphans_are_collected(tmp_path: Path, content: bytes) -> None:
    folder = ChunkFolder(tmp_path, "p")
    key = SecretKey.generate()
    kept = folder.write_blob(_pieces(content), size=len(content), key=key, blob_uid="a")
    folder.write_blob([b"orphan"], size=6, key=key, blob_uid="b")
    removed = folder.collect_orphans({ref.file for ref in kept})
    assert removed == 1
    assert folder.read_blob(kept, key=key, blob_uid="a") == content
    assert {name for name, _ in folder.all_files()} == {ref.file for ref in kept}


def test_failed_write_leaves_no_files(tmp_path: Path) -> None:
    folder = ChunkFolder(tmp_path, "p")

    def pieces() -> list[bytes]:
        return [b"x" * CHUNK_BYTES, b"y"]

    with pytest.raises(Exception, match="grew"):
        folder.write_blob(pieces(), size=CHUNK_BYTES, key=SecretKey.generate(), blob_uid="a")
    assert list(folder.all_files()) == []
