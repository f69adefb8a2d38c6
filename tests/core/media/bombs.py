"""Builders of hostile image files for decoder limit tests."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path


def _png_chunk(chunk_type: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(chunk_type + payload) & 0xFFFFFFFF
    return (
        struct.pack(">I", len(payload)) + chunk_type + payload + struct.pack(">I", crc)
    )


def write_png_bomb(path: Path, side: int = 20000) -> Path:
    """Write a valid 8-bit grey PNG of side x side zeros, streamed through zlib.

    A 20000 x 20000 bomb is about 400 kB on disk and 400 MB decoded.
    """
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    compressor = zlib.compressobj(9)
    rows = bytes(side + 1) * 100  # each row: filter byte 0, then the samples
    parts = [compressor.compress(rows) for _ in range(side // 100)]
    parts.append(compressor.flush())
    png = b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header)
    png += _png_chunk(b"IDAT", b"".join(parts)) + _png_chunk(b"IEND", b"")
    path.write_bytes(png)
    return path


def jpeg_header_claiming(width: int, height: int, sample_jpeg: bytes) -> bytes:
    """Return a real JPEG whose SOF0 frame header is rewritten to claim another size."""
    marker = sample_jpeg.find(b"\xff\xc0")
    if marker < 0:
        raise ValueError("the sample JPEG has no baseline SOF0 marker")
    size = struct.pack(">HH", height, width)
    return sample_jpeg[: marker + 5] + size + sample_jpeg[marker + 9 :]
