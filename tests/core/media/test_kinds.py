"""Tests for asset kind detection."""

from __future__ import annotations

import pytest

from labeler.core.media.kinds import HEAD_SIZE, AssetKind, detect_kind
from tests.core.media.corpus import corpus_files, corpus_path, pydicom_file

PNG_HEAD = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


def _expected_kind(relative: str) -> AssetKind:
    folder, _, name = relative.partition("/")
    suffix = name.rsplit(".", 1)[-1].lower()
    if suffix in ("jpg", "jpeg", "png", "gif", "tif", "tiff", "webp", "avif"):
        return AssetKind.IMAGE
    if folder == "video":
        return AssetKind.VIDEO
    if suffix == "pdf":
        return AssetKind.OTHER
    return AssetKind.TEXT


@pytest.mark.parametrize("relative", corpus_files(""))
def test_detect_kind_of_corpus_file(relative: str) -> None:
    path = corpus_path(relative)
    head = path.read_bytes()[:HEAD_SIZE]

    assert detect_kind(head, path.name) == _expected_kind(relative)


@pytest.mark.parametrize("name", ["CT_small.dcm", "MR_small.dcm", "JPEG2000.dcm"])
def test_detect_kind_dicom_with_preamble(name: str) -> None:
    head = pydicom_file(name).read_bytes()[:HEAD_SIZE]

    assert detect_kind(head, "scan.jpg") == AssetKind.DICOM


@pytest.mark.parametrize("name", ["ExplVR_LitEndNoMeta.dcm", "MR_small_implicit.dcm"])
def test_detect_kind_dicom_without_preamble(name: str) -> None:
    data = pydicom_file(name).read_bytes()
    head = data[:HEAD_SIZE] if data[128:132] != b"DICM" else data[132:][:HEAD_SIZE]

    assert detect_kind(head, "scan") == AssetKind.DICOM


@pytest.mark.parametrize(
    ("head", "name", "expected"),
    [
        (PNG_HEAD + bytes(100), "notes.txt", AssetKind.IMAGE),
        (b"\xff\xd8\xff\xe0" + bytes(100), "data.csv", AssetKind.IMAGE),
        (b"GIF89a" + bytes(100), "a.txt", AssetKind.IMAGE),
        (b"II*\x00" + bytes(100), "a.bin", AssetKind.IMAGE),
        (b"MM\x00+" + bytes(100), "big.tif", AssetKind.IMAGE),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "a", AssetKind.IMAGE),
        (b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00mif1miaf", "a.mp4", AssetKind.IMAGE),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "a", AssetKind.IMAGE),
        (b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2", "a.png", AssetKind.VIDEO),
        (b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  ", "clip", AssetKind.VIDEO),
        (b"\x00\x00\x00\x18ftypM4A \x00\x00\x00\x00M4A mp42", "a.mp4", AssetKind.OTHER),
        (b"RIFF\x00\x00\x00\x00AVI LIST", "a.txt", AssetKind.VIDEO),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01", "a.webm", AssetKind.VIDEO),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "a.txt", AssetKind.OTHER),
        (b"PK\x03\x04\x14\x00\x00\x00\x08\x00", "a.txt", AssetKind.OTHER),
        (b"BMP files are bitmaps.\n", "a.bmp", AssetKind.TEXT),
        (b"", "empty.dcm", AssetKind.DICOM),
        (b"", "empty.png", AssetKind.OTHER),
    ],
)
def test_detect_kind_by_content(head: bytes, name: str, expected: AssetKind) -> None:
    assert detect_kind(head, name) == expected


def test_detect_kind_mpeg_transport_stream() -> None:
    packet = b"\x47" + bytes(187)

    assert detect_kind(packet * 4, "a.ts") == AssetKind.VIDEO


@pytest.mark.parametrize(
    "head",
    [
        b"plain ASCII, with CRLF\r\n",
        "ünïcödé text".encode(),
        "\ufeffwith BOM".encode(),
        "UTF-16 with BOM".encode("utf-16"),
        "caf\xe9 \u20ac".encode("cp1252"),
    ],
)
def test_detect_kind_text(head: bytes) -> None:
    assert detect_kind(head, "a.bin") == AssetKind.TEXT


def test_detect_kind_text_cut_inside_character() -> None:
    head = ("a" * (HEAD_SIZE - 1) + "é").encode()[:HEAD_SIZE]

    assert detect_kind(head, "a.txt") == AssetKind.TEXT


@pytest.mark.parametrize(
    "head",
    [
        b"text with a NUL\x00 byte",
        "UTF-16 without BOM".encode("utf-16-le"),
        bytes(range(256)),
    ],
)
def test_detect_kind_binary_is_other(head: bytes) -> None:
    assert detect_kind(head, "a.txt") == AssetKind.OTHER
