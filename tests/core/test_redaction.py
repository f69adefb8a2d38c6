"""Display copies: embedded metadata a role may not see never reaches that role's keys."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import numpy as np
import pydicom
import pytest
from PIL import Image
from pydicom.data import get_testdata_file

from labeler.core.errors import PolicyError
from labeler.core.ingest import run_import
from labeler.core.media.decode import decode_image
from labeler.core.media.redact import display_copy, strip_jpeg, strip_png
from tests.core.factories import build_workspace
from tests.core.media.corpus import corpus_path

MAX_PIXELS = 100_000_000


def _copy(data: bytes, name: str, image_format: str, kind: str = "image",
          orientation: int = 1) -> bytes:
    copy = display_copy(data, name=name, image_format=image_format, kind=kind,
                        orientation=orientation, max_pixels=MAX_PIXELS)
    assert copy is not None
    return copy


def test_jpeg_copy_drops_exif_and_keeps_pixels() -> None:
    original = corpus_path("images", "formats", "exif_gps.jpg").read_bytes()
    copy = strip_jpeg(original, 1, "exif_gps.jpg")
    assert b"Exif" in original
    assert b"Exif" not in copy
    with Image.open(io.BytesIO(copy)) as image:
        assert not image.getexif()
    assert np.array_equal(decode_image(original, max_pixels=MAX_PIXELS).pixels,
                          decode_image(copy, max_pixels=MAX_PIXELS).pixels)


def test_jpeg_copy_keeps_orientation_only() -> None:
    original = corpus_path("images", "exif_orientation", "Landscape_6.jpg").read_bytes()
    copy = strip_jpeg(original, 6, "Landscape_6.jpg")
    with Image.open(io.BytesIO(copy)) as image:
        exif = image.getexif()
    assert dict(exif) == {0x0112: 6}
    decoded = decode_image(copy, max_pixels=MAX_PIXELS)
    assert (decoded.width, decoded.height) == (1800, 1200)


def test_cmyk_jpeg_copy_keeps_adobe_segment() -> None:
    original = corpus_path("images", "formats", "pil_sample_cmyk.jpg").read_bytes()
    copy = strip_jpeg(original, 1, "cmyk.jpg")
    assert b"Adobe" in copy
    assert np.array_equal(decode_image(original, max_pixels=MAX_PIXELS).pixels,
                          decode_image(copy, max_pixels=MAX_PIXELS).pixels)


def test_png_copy_drops_text_chunks() -> None:
    buffer = io.BytesIO()
    info = __import__("PIL.PngImagePlugin", fromlist=["PngInfo"]).PngInfo()
    info.add_text("Author", "SECRET-AUTHOR")
    Image.new("RGB", (8, 8), (1, 2, 3)).save(buffer, "PNG", pnginfo=info)
    copy = strip_png(buffer.getvalue(), 3, "a.png")
    assert b"SECRET-AUTHOR" not in copy
    assert decode_image(copy, max_pixels=MAX_PIXELS).pixels.shape == (8, 8, 3)


@pytest.mark.parametrize("name", ["tiff_16bit_RGB.tiff", "hopper.webp", "transparent.gif",
                                  "16bit.cropped.tif", "tiff_tiled_cmyk_jpeg.tif"])
def test_other_formats_become_png_with_same_pixels(name: str) -> None:
    original = corpus_path("images", "formats", name).read_bytes()
    with Image.open(io.BytesIO(original)) as image:
        image_format = image.format
    copy = _copy(original, name, image_format)
    assert copy.startswith(b"\x89PNG")
    before = decode_image(original, max_pixels=MAX_PIXELS).pixels.astype(int)
    after = decode_image(copy, max_pixels=MAX_PIXELS).pixels.astype(int)
    assert before.shape == after.shape
    assert np.abs(before - after).mean() < 1


def test_dicom_copy_keeps_pixels_and_window_only() -> None:
    original = Path(get_testdata_file("CT_small.dcm")).read_bytes()
    copy = _copy(original, "CT_small.dcm", "DICOM", kind="dicom")
    dataset = pydicom.dcmread(io.BytesIO(copy))
    assert "PatientName" not in dataset
    assert "InstitutionName" not in dataset
    assert "Modality" not in dataset
    before = decode_image(original, max_pixels=MAX_PIXELS)
    after = decode_image(copy, max_pixels=MAX_PIXELS)
    assert np.array_equal(before.pixels, after.pixels)
    assert before.window == after.window


def _imported(tmp_path: Path) -> tuple[object, str]:
    bucket = tmp_path / "bucket"
    bucket.mkdir()
    dataset = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    dataset.PatientName = "Hidden^Patient"
    dataset.save_as(bucket / "scan.dcm")
    shutil.copy(corpus_path("images", "formats", "exif_gps.jpg"), bucket / "gps.jpg")
    workspace = build_workspace(tmp_path / "ws", bucket)
    admin = workspace.sign_in("admin")
    project = admin.open_project(workspace.project_id)
    report = run_import(project, next(iter(project.record["buckets"])))
    assert report.failed == []
    admin.lock()
    return workspace, workspace.project_id


def test_annotator_opens_display_copy_only(tmp_path: Path) -> None:
    workspace, project_id = _imported(tmp_path)
    session = workspace.sign_in("anna")  # type: ignore[attr-defined]
    project = session.open_project(project_id)
    scan = project.find_asset("scan.dcm")
    assert scan.original_blob_id is not None
    assert b"Hidden^Patient" not in project.read_content(scan)
    with pytest.raises(PolicyError, match="may not open original files"):
        project.read_original(scan)
    session.lock()
    admin = workspace.sign_in("admin")  # type: ignore[attr-defined]
    project = admin.open_project(project_id)
    assert b"Hidden^Patient" in project.read_original(project.find_asset("scan.dcm"))
    admin.lock()


def test_policy_change_moves_originals(tmp_path: Path) -> None:
    """Tightening the policy gives old imports display copies; loosening it opens originals."""
    from labeler.core.admin import change_field_policy
    from labeler.core.policy.fields import parse_field_policy
    from tests.core.factories import ROLES

    open_policy = parse_field_policy(
        {"default": {"admin": "visible", "reviewer": "visible", "annotator": "visible"}}, ROLES)
    workspace, project_id = _imported(tmp_path)
    admin = workspace.sign_in("admin")  # type: ignore[attr-defined]
    change_field_policy(admin, project_id, open_policy)
    admin.lock()
    anna = workspace.sign_in("anna")  # type: ignore[attr-defined]
    scan = anna.open_project(project_id).find_asset("scan.dcm")
    assert b"Hidden^Patient" in anna.open_project(project_id).read_original(scan)
    anna.lock()

    strict = parse_field_policy(
        {"default": {"admin": "visible", "reviewer": "visible", "annotator": "hidden"}}, ROLES)
    admin = workspace.sign_in("admin")  # type: ignore[attr-defined]
    change_field_policy(admin, project_id, strict)
    admin.lock()
    anna = workspace.sign_in("anna")  # type: ignore[attr-defined]
    project = anna.open_project(project_id)
    scan = project.find_asset("scan.dcm")
    assert b"Hidden^Patient" not in project.read_content(scan)
    with pytest.raises(PolicyError):
        project.read_original(scan)
    anna.lock()
