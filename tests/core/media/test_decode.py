"""Tests for display decoding, windowing and the reduced view."""

from __future__ import annotations

import io
import resource
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.pixels import pixel_array

from labeler.core.errors import MediaError
from labeler.core.media.decode import (
    apply_window,
    decode_image,
    decode_image_reduced,
    default_window,
)
from tests.core.media.bombs import jpeg_header_claiming, write_png_bomb
from tests.core.media.corpus import corpus_files, corpus_path, pydicom_file

MAX_PIXELS = 50_000_000
TRUNCATED = {"images/formats/truncated_jpeg.jpg", "images/formats/truncated_image.png"}


def _decode(*parts: str) -> np.ndarray:
    path = corpus_path(*parts)
    return decode_image(path.read_bytes(), max_pixels=MAX_PIXELS, name=path.name).pixels


def _mean_abs_diff(first: np.ndarray, second: np.ndarray) -> float:
    return float(np.abs(first.astype(np.int16) - second.astype(np.int16)).mean())


@pytest.mark.parametrize("relative", corpus_files("images"))
def test_decode_corpus_image(relative: str) -> None:
    path = corpus_path(relative)
    data = path.read_bytes()
    if relative in TRUNCATED:
        with pytest.raises(MediaError, match=r"truncated|damaged"):
            decode_image(data, max_pixels=MAX_PIXELS, name=path.name)
        return

    decoded = decode_image(data, max_pixels=MAX_PIXELS, name=path.name)

    assert decoded.pixels.dtype == np.uint8
    assert decoded.pixels.ndim == 3
    assert decoded.pixels.shape[2] in (3, 4)
    assert decoded.pixels.shape[:2] == (decoded.height, decoded.width)
    assert decoded.pixels.flags.c_contiguous


@pytest.mark.parametrize("orientation", range(2, 9))
def test_decode_hopper_orientation_matches_upright(orientation: int) -> None:
    reference = _decode("images", "formats", "hopper.png")
    name = f"pillow_hopper_orientation_{orientation}.jpg"

    oriented = _decode("images", "exif_orientation", name)

    assert oriented.shape == reference.shape
    assert _mean_abs_diff(oriented, reference) < 8


@pytest.mark.parametrize("orientation", range(2, 9))
def test_decode_hopper_stored_pixels_differ(orientation: int) -> None:
    """Shows that the orientation test above can fail: stored pixels are not upright."""
    from PIL import Image

    reference = _decode("images", "formats", "hopper.png")
    path = corpus_path(
        "images", "exif_orientation", f"pillow_hopper_orientation_{orientation}.jpg"
    )
    with Image.open(path) as image:
        stored = np.asarray(image.convert("RGB"))

    assert _mean_abs_diff(stored, reference) > 20


@pytest.mark.parametrize("number", [0, 2, 3, 4, 5, 6, 7, 8])
def test_decode_landscape_matches_orientation_1(number: int) -> None:
    reference = _decode("images", "exif_orientation", "Landscape_1.jpg")

    oriented = _decode("images", "exif_orientation", f"Landscape_{number}.jpg")

    assert oriented.shape == (1200, 1800, 3)
    assert _mean_abs_diff(oriented, reference) < 8


@pytest.mark.parametrize("number", [5, 6, 8])
def test_decode_portrait_is_tall(number: int) -> None:
    pixels = _decode("images", "exif_orientation", f"Portrait_{number}.jpg")

    assert pixels.shape == (1800, 1200, 3)


def test_decode_rectangle_orientation_8() -> None:
    pixels = _decode("images", "exif_orientation", "pillow_orientation_rectangle.jpg")

    assert pixels.shape == (2, 1, 3)


def test_decode_xmp_orientation_png() -> None:
    from PIL import Image

    path = corpus_path("images", "exif_orientation", "pillow_xmp_tags_orientation.png")
    with Image.open(path) as image:
        upright = np.asarray(image.convert("RGBA").rotate(180))

    pixels = _decode("images", "exif_orientation", "pillow_xmp_tags_orientation.png")

    assert pixels.shape == (268, 326, 4)
    assert np.array_equal(pixels, upright)


def test_decode_cmyk_close_to_rgb_sample() -> None:
    rgb = _decode("images", "formats", "pil_sample_rgb.jpg")

    cmyk = _decode("images", "formats", "pil_sample_cmyk.jpg")

    assert cmyk.shape == rgb.shape
    assert _mean_abs_diff(cmyk, rgb) < 10
    assert _mean_abs_diff(255 - cmyk, rgb) > 100


@pytest.mark.parametrize(
    ("name", "source_mode"),
    [
        ("16bit.cropped.tif", "I;16"),
        ("16bit.MM.deflate.tif", "I;16B"),
        ("tiff_16bit_RGB.tiff", "RGB;16"),
    ],
)
def test_decode_16bit_window_spans_full_range(name: str, source_mode: str) -> None:
    path = corpus_path("images", "formats", name)

    decoded = decode_image(path.read_bytes(), max_pixels=MAX_PIXELS, name=name)

    assert decoded.is_high_bit_depth
    assert decoded.source_mode == source_mode
    assert decoded.raw is not None
    assert decoded.raw.dtype == np.uint16
    assert int(decoded.raw.max()) > 255
    assert decoded.window is not None
    assert int(decoded.pixels.min()) == 0
    assert int(decoded.pixels.max()) == 255


def test_decode_16bit_big_endian_matches_little_endian() -> None:
    little = decode_image(
        corpus_path("images", "formats", "16bit.cropped.tif").read_bytes(),
        max_pixels=MAX_PIXELS,
    )
    big = decode_image(
        corpus_path("images", "formats", "16bit.MM.deflate.tif").read_bytes(),
        max_pixels=MAX_PIXELS,
    )

    assert big.raw is not None and little.raw is not None
    assert np.array_equal(big.raw, little.raw)


def test_decode_16bit_png_transparency_key() -> None:
    decoded = decode_image(
        corpus_path("images", "formats", "i_trns.png").read_bytes(),
        max_pixels=MAX_PIXELS,
    )

    assert decoded.pixels.shape[2] == 4
    assert 0 in decoded.pixels[..., 3]
    assert 255 in decoded.pixels[..., 3]


@pytest.mark.parametrize(
    "name",
    [
        "p_trns_single.png",
        "l_trns.png",
        "rgb_trns.png",
        "transparent.gif",
        "uncompressed_la.png",
    ],
)
def test_decode_transparency_gives_alpha(name: str) -> None:
    pixels = _decode("images", "formats", name)

    assert pixels.shape[2] == 4
    assert int(pixels[..., 3].min()) < 255


@pytest.mark.parametrize(
    ("name", "note"),
    [
        ("iss634.gif", "animated image: the first of 42 frames is shown"),
        ("apng_mode_16bit.png", "animated image: the first of 3 frames is shown"),
        ("multipage.tiff", "multipage TIFF: the first of 3 pages is shown"),
    ],
)
def test_decode_first_frame_note(name: str, note: str) -> None:
    path = corpus_path("images", "formats", name)

    decoded = decode_image(path.read_bytes(), max_pixels=MAX_PIXELS, name=name)

    assert decoded.notes == (note,)


def test_decode_grey_jpeg_is_rgb() -> None:
    pixels = _decode("images", "formats", "hopper_gray.jpg")

    assert pixels.shape == (128, 128, 3)
    assert np.array_equal(pixels[..., 0], pixels[..., 2])


def test_decode_empty_data() -> None:
    with pytest.raises(MediaError, match=r"^scan\.png: empty file"):
        decode_image(b"", max_pixels=MAX_PIXELS, name="scan.png")


def test_decode_unknown_format() -> None:
    with pytest.raises(MediaError, match=r"not an image format Labeler can open"):
        decode_image(b"%PDF-1.7 not an image", max_pixels=MAX_PIXELS, name="a.pdf")


def test_decode_png_bomb_rejected_fast(tmp_path: Path) -> None:
    data = write_png_bomb(tmp_path / "bomb.png").read_bytes()
    peak_rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    started = time.perf_counter()

    with pytest.raises(MediaError, match=r"20000x20000 pixels .* over the limit"):
        decode_image(data, max_pixels=MAX_PIXELS, name="bomb.png")

    elapsed = time.perf_counter() - started
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_growth_kib = (
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_rss_before
    )
    assert elapsed < 0.5
    assert traced_peak < 100 * 1024 * 1024
    assert rss_growth_kib < 100 * 1024


def test_decode_jpeg_over_pixel_limit() -> None:
    sample = corpus_path("images", "photos", "skimage_rocket.jpg").read_bytes()
    claimed = jpeg_header_claiming(60000, 60000, sample)

    with pytest.raises(MediaError, match=r"60000x60000 pixels"):
        decode_image(claimed, max_pixels=MAX_PIXELS, name="huge.jpg")


# Windowing -------------------------------------------------------------------


def test_apply_window_maps_edges() -> None:
    raw = np.array([[0, 100, 200, 300, 400]], dtype=np.uint16)

    grey = apply_window(raw, centre=200, width=200)

    assert grey.dtype == np.uint8
    assert grey.tolist() == [[0, 0, 128, 255, 255]]


def test_apply_window_rejects_zero_width() -> None:
    with pytest.raises(ValueError, match="window width must be positive"):
        apply_window(np.zeros((2, 2)), centre=0, width=0)


def test_default_window_of_constant_image() -> None:
    centre, width = default_window(np.full((4, 4), 7, dtype=np.uint16))

    assert (centre, width) == (7.0, 1.0)


# DICOM -----------------------------------------------------------------------


def test_decode_dicom_window_from_tags() -> None:
    data = pydicom_file("MR_small.dcm").read_bytes()

    decoded = decode_image(data, max_pixels=MAX_PIXELS, name="MR_small.dcm")

    assert decoded.window == (600.0, 1600.0)
    assert decoded.source_mode == "MONOCHROME2 16-bit"
    assert decoded.pixels.shape == (64, 64, 3)


def test_decode_dicom_applies_rescale() -> None:
    path = pydicom_file("CT_small.dcm")
    dataset = pydicom.dcmread(path)
    expected = pixel_array(path).astype(np.float32) * float(dataset.RescaleSlope)
    expected += float(dataset.RescaleIntercept)

    decoded = decode_image(path.read_bytes(), max_pixels=MAX_PIXELS)

    assert decoded.raw is not None
    assert np.allclose(decoded.raw, expected)
    assert int(decoded.pixels.min()) == 0
    assert int(decoded.pixels.max()) == 255


def test_decode_dicom_monochrome1_is_inverted() -> None:
    dataset = pydicom.dcmread(pydicom_file("MR_small.dcm"))
    normal = decode_image(
        pydicom_file("MR_small.dcm").read_bytes(), max_pixels=MAX_PIXELS
    )
    dataset.PhotometricInterpretation = "MONOCHROME1"
    buffer = io.BytesIO()
    dataset.save_as(buffer)

    inverted = decode_image(buffer.getvalue(), max_pixels=MAX_PIXELS)

    assert np.array_equal(inverted.pixels, 255 - normal.pixels)


def test_decode_dicom_multi_frame_first_frame() -> None:
    data = pydicom_file("SC_rgb_rle_2frame.dcm").read_bytes()

    decoded = decode_image(data, max_pixels=MAX_PIXELS)

    assert decoded.pixels.shape == (100, 100, 3)
    assert decoded.notes == ("multi-frame DICOM: the first of 2 frames is shown",)


def test_decode_dicom_truncated() -> None:
    data = pydicom_file("MR_truncated.dcm").read_bytes()

    with pytest.raises(MediaError, match=r"damaged or truncated"):
        decode_image(data, max_pixels=MAX_PIXELS, name="MR_truncated.dcm")


def test_decode_dicom_without_decoder() -> None:
    data = pydicom_file("JPEG-lossy.dcm").read_bytes()

    with pytest.raises(MediaError, match=r"cannot be decoded by this build"):
        decode_image(data, max_pixels=MAX_PIXELS, name="JPEG-lossy.dcm")


def test_decode_dicom_over_pixel_limit() -> None:
    data = pydicom_file("CT_small.dcm").read_bytes()

    with pytest.raises(MediaError, match=r"128x128 pixels"):
        decode_image(data, max_pixels=1000, name="CT_small.dcm")


# Reduced view ----------------------------------------------------------------


def test_reduced_jpeg_fits_max_side() -> None:
    data = corpus_path("images", "exif_orientation", "Landscape_6.jpg").read_bytes()

    decoded = decode_image_reduced(data, max_side=300, max_pixels=MAX_PIXELS)

    assert (decoded.width, decoded.height) == (300, 200)
    assert decoded.notes == ("reduced view: decoded at 1/4 scale",)


def test_reduced_jpeg_decodes_over_full_size_limit() -> None:
    """The limit applies to the 1/8-scale decode, not to the full size."""
    data = corpus_path("images", "exif_orientation", "Landscape_1.jpg").read_bytes()

    decoded = decode_image_reduced(data, max_side=200, max_pixels=100_000)

    assert max(decoded.width, decoded.height) == 200


def test_reduced_png_over_limit_names_jpeg(tmp_path: Path) -> None:
    data = write_png_bomb(tmp_path / "bomb.png").read_bytes()

    with pytest.raises(MediaError, match=r"reduced view is only available for JPEG"):
        decode_image_reduced(data, max_side=512, max_pixels=MAX_PIXELS, name="bomb.png")


def test_reduced_huge_jpeg_rejected_before_decoding() -> None:
    sample = corpus_path("images", "photos", "skimage_rocket.jpg").read_bytes()
    claimed = jpeg_header_claiming(65000, 65000, sample)
    started = time.perf_counter()

    with pytest.raises(MediaError, match=r"8125x8125 pixels"):
        decode_image_reduced(claimed, max_side=512, max_pixels=MAX_PIXELS, name="h.jpg")

    assert time.perf_counter() - started < 0.5


def test_reduced_16bit_keeps_raw() -> None:
    data = corpus_path("images", "formats", "tiff_16bit_RGB.tiff").read_bytes()

    decoded = decode_image_reduced(data, max_side=50, max_pixels=MAX_PIXELS)

    assert (decoded.width, decoded.height) == (50, 20)
    assert decoded.raw is not None
    assert decoded.raw.shape == (20, 50, 3)
