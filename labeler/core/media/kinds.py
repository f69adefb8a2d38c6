"""Asset kind detection from file content, with the file name as a tie-breaker."""

from __future__ import annotations

import enum
import struct
from typing import Final

from labeler.core.media.text import looks_like_text

HEAD_SIZE: Final = 64 * 1024
"""Bytes of a file that `detect_kind` expects (the whole file when smaller)."""


class AssetKind(enum.StrEnum):
    """Kind of content in an asset, which selects its view and decoder."""

    IMAGE = "image"
    TEXT = "text"
    VIDEO = "video"
    DICOM = "dicom"
    OTHER = "other"


# ISO base media file format brands (the four bytes after "ftyp").
_AVIF_BRANDS: Final = frozenset({b"avif", b"avis"})
_HEIF_BRANDS: Final = frozenset(
    {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs"}
    | {b"mif1", b"msf1"}
)
_VIDEO_BRANDS: Final = frozenset(
    {b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1"}
    | {b"qt  ", b"M4V ", b"M4VH", b"M4VP", b"3gp4", b"3gp5", b"3gp6", b"3g2a"}
    | {b"dash", b"mmp4", b"f4v ", b"MSNV", b"XAVC", b"NDAS"}
)
_AUDIO_BRANDS: Final = frozenset({b"M4A ", b"M4B ", b"M4P ", b"F4A "})
_QUICKTIME_ATOMS: Final = frozenset({b"moov", b"mdat", b"wide", b"free", b"skip"})
_BMP_HEADER_SIZES: Final = frozenset({12, 40, 52, 56, 64, 108, 124})
# Formats that are never assets, caught before the text check because their
# headers often decode as Windows-1252.
_OTHER_MAGIC: Final = (
    b"%PDF-",
    b"PK\x03\x04",
    b"PK\x05\x06",
    b"\x1f\x8b",  # gzip
    b"7z\xbc\xaf\x27\x1c",
    b"Rar!\x1a\x07",
    b"\x7fELF",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",  # OLE2: legacy Office files
    b"SQLite format 3\x00",
)
_DICOM_VRS: Final = frozenset(
    b"AE AS AT CS DA DS DT FL FD IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV"
    b" TM UC UI UL UN UR US UT UV".split()
)
_EXTENSION_KINDS: Final = {
    ".dcm": AssetKind.DICOM,
    ".dicom": AssetKind.DICOM,
}


def detect_kind(head: bytes, name: str) -> AssetKind:
    """Detect the kind of an asset from its first bytes.

    Args:
        head: the first `HEAD_SIZE` bytes of the file, or all of it when smaller.
        name: the file name; its extension only decides when the content does not,
            such as an empty file or DICOM data without the 128-byte preamble.

    Returns:
        The kind; PDF, archives, audio and unknown binary data are OTHER.
    """
    kind = _kind_from_magic(head)
    if kind is not None:
        return kind
    if head and looks_like_text(head, is_complete=len(head) < HEAD_SIZE):
        return AssetKind.TEXT
    if _looks_like_dicom_without_preamble(head):
        return AssetKind.DICOM

    extension = name[name.rfind(".") :].lower() if "." in name else ""
    if not head or extension in _EXTENSION_KINDS:
        return _EXTENSION_KINDS.get(extension, AssetKind.OTHER)
    return AssetKind.OTHER


def _kind_from_magic(head: bytes) -> AssetKind | None:
    if head[128:132] == b"DICM":
        return AssetKind.DICOM
    if head.startswith(_OTHER_MAGIC):
        return AssetKind.OTHER
    if _is_still_image(head):
        return AssetKind.IMAGE
    if head[4:8] == b"ftyp":
        return _kind_from_ftyp(head)
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return AssetKind.VIDEO
    if head[:4] == b"\x1a\x45\xdf\xa3":  # EBML header: Matroska and WebM
        return AssetKind.VIDEO
    if head[4:8] in _QUICKTIME_ATOMS and struct.unpack(">I", head[:4])[0] >= 8:
        return AssetKind.VIDEO
    if _is_mpeg_stream(head):
        return AssetKind.VIDEO
    return None


def _is_still_image(head: bytes) -> bool:
    if head[:3] == b"\xff\xd8\xff" or head[:8] == b"\x89PNG\r\n\x1a\n":
        return True
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return True
    # TIFF little- and big-endian, then BigTIFF in both byte orders.
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return True
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return True
    # "BM" alone also starts plenty of text, so check the DIB header size too.
    if head[:2] == b"BM" and len(head) >= 18:
        return struct.unpack("<I", head[14:18])[0] in _BMP_HEADER_SIZES
    return False


def _kind_from_ftyp(head: bytes) -> AssetKind:
    box_size = struct.unpack(">I", head[:4])[0]
    box_end = min(max(box_size, 16), len(head))
    brands = {head[8:12]} | {head[i : i + 4] for i in range(16, box_end - 3, 4)}
    if brands & _AVIF_BRANDS or brands & _HEIF_BRANDS:
        return AssetKind.IMAGE
    if head[8:12] in _AUDIO_BRANDS:
        return AssetKind.OTHER
    if brands & _VIDEO_BRANDS:
        return AssetKind.VIDEO
    return AssetKind.OTHER


def _is_mpeg_stream(head: bytes) -> bool:
    if head[:4] == b"\x00\x00\x01\xba":  # MPEG program stream pack header
        return True
    # MPEG transport stream: 188-byte packets that each start with 0x47.
    return len(head) >= 188 * 3 and all(head[i] == 0x47 for i in (0, 188, 376))


def _looks_like_dicom_without_preamble(head: bytes) -> bool:
    """Recognise a data set that starts at byte 0 with group 0x0002 or 0x0008."""
    if len(head) < 12 or head[:2] not in (b"\x02\x00", b"\x08\x00"):
        return False
    if head[4:6] in _DICOM_VRS:
        return True
    # Implicit VR little endian: a small element number and a short value length.
    element, length = struct.unpack("<HI", head[2:8])
    return head[:2] == b"\x08\x00" and element <= 0x0020 and length < 1024
