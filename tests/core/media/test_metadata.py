"""Tests for EXIF, DICOM, sidecar JSON and CSV metadata fields."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest
from PIL import ExifTags, Image
from pydicom.datadict import keyword_dict

from labeler.core.errors import MediaError
from labeler.core.media.metadata import (
    DICOM_CONFIDENTIALITY_ATTRIBUTES,
    read_csv_fields,
    read_dicom_fields,
    read_exif_fields,
    read_sidecar_fields,
)
from tests.core.media.bombs import write_png_bomb
from tests.core.media.corpus import corpus_path, pydicom_file

# EXIF ------------------------------------------------------------------------


def _write_jpeg_with_gps(path: Path) -> Path:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Canon"
    exif[ExifTags.Base.Model] = "EOS 5D"
    exif[ExifTags.Base.Artist] = "A. Photographer"
    details = exif.get_ifd(ExifTags.IFD.Exif)
    details[ExifTags.Base.DateTimeOriginal] = "2024:05:01 10:11:12"
    details[ExifTags.Base.BodySerialNumber] = "SN-0042"
    details[ExifTags.Base.MakerNote] = b"\x00\x01binary maker note"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "S"
    gps[ExifTags.GPS.GPSLatitude] = (33.0, 51.0, 54.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (151.0, 12.0, 36.0)
    Image.new("RGB", (8, 8)).save(path, "JPEG", exif=exif.tobytes())
    return path


def test_exif_fields_of_camera_jpeg(tmp_path: Path) -> None:
    fields = read_exif_fields(_write_jpeg_with_gps(tmp_path / "camera.jpg"))

    assert fields["exif.Make"] == "Canon"
    assert fields["exif.Model"] == "EOS 5D"
    assert fields["exif.Artist"] == "A. Photographer"
    assert fields["exif.DateTimeOriginal"] == "2024:05:01 10:11:12"
    assert fields["exif.BodySerialNumber"] == "SN-0042"
    assert fields["exif.GPSLatitude"] == "-33.8650000"
    assert fields["exif.GPSLongitude"] == "151.2100000"
    assert fields["exif.GPSLatitudeRef"] == "S"
    assert "exif.MakerNote" not in fields


def test_exif_fields_junk_gps_kept_raw() -> None:
    fields = read_exif_fields(corpus_path("images", "formats", "exif_gps.jpg"))

    assert "exif.GPSInfo" in fields
    assert "exif.GPSLatitude" not in fields
    assert fields["exif.Make"] == "Make"


def test_exif_fields_photoshop_software() -> None:
    fields = read_exif_fields(corpus_path("images", "formats", "flower2.jpg"))

    assert fields["exif.Software"] == "Adobe Photoshop CS6 (Macintosh)"
    assert fields["exif.DateTime"] == "2013:07:04 17:24:41"


def test_exif_fields_png_without_exif() -> None:
    assert read_exif_fields(corpus_path("images", "formats", "hopper.png")) == {}


def test_exif_fields_never_decode_pixels(tmp_path: Path) -> None:
    """A PNG bomb has no EXIF; reading fields must not decode its 400 MB."""
    bomb = write_png_bomb(tmp_path / "bomb.png")

    assert read_exif_fields(bomb) == {}


def test_exif_fields_of_text_file_raise(tmp_path: Path) -> None:
    path = tmp_path / "notes.jpg"
    path.write_text("not an image")

    with pytest.raises(MediaError, match=r"^notes\.jpg: not an image format"):
        read_exif_fields(path)


# DICOM -----------------------------------------------------------------------


def test_dicom_fields_of_ct() -> None:
    fields = read_dicom_fields(pydicom_file("CT_small.dcm"))

    assert fields["dicom.PatientName"] == "CompressedSamples^CT1"
    assert fields["dicom.PatientID"] == "1CT1"
    assert fields["dicom.Modality"] == "CT"
    assert fields["dicom.StudyInstanceUID"].startswith("1.3.6.1.4.1.5962")
    assert fields["dicom.ImageType"] == "ORIGINAL\\PRIMARY\\AXIAL"
    assert fields["dicom.Rows"] == "128"
    assert "dicom.PixelData" not in fields


def test_dicom_fields_of_mr_window() -> None:
    fields = read_dicom_fields(pydicom_file("MR_small.dcm"))

    assert fields["dicom.WindowCenter"] == "600"
    assert fields["dicom.WindowWidth"] == "1600"


def test_dicom_fields_skip_sequences() -> None:
    fields = read_dicom_fields(pydicom_file("rtplan.dcm"))

    assert "dicom.Modality" in fields
    assert not any(name.endswith("Sequence") for name in fields)


def test_dicom_fields_of_non_dicom(tmp_path: Path) -> None:
    path = tmp_path / "scan.dcm"
    path.write_bytes(b"\x00" * 10)

    with pytest.raises(MediaError, match=r"^scan\.dcm: not a DICOM file"):
        read_dicom_fields(path)


def test_confidentiality_keywords_are_dicom_keywords() -> None:
    unknown = sorted(DICOM_CONFIDENTIALITY_ATTRIBUTES - set(keyword_dict))

    assert unknown == []


@pytest.mark.parametrize(
    "keyword",
    ["PatientName", "PatientID", "PatientBirthDate", "ReferringPhysicianName",
     "InstitutionName", "AccessionNumber", "StudyDate", "OtherPatientIDs"],
)  # fmt: skip
def test_confidentiality_attributes_include(keyword: str) -> None:
    assert keyword in DICOM_CONFIDENTIALITY_ATTRIBUTES


# Sidecar JSON ----------------------------------------------------------------


def _write_sidecar(tmp_path: Path, content: bytes) -> Path:
    asset = tmp_path / "photo.jpg"
    asset.write_bytes(b"")
    (tmp_path / "photo.jpg.json").write_bytes(content)
    return asset


def test_sidecar_fields_flatten(tmp_path: Path) -> None:
    document = {
        "site": {"id": "S-1", "geo": {"lat": 1.5}},
        "count": 3,
        "reviewed": True,
        "tags": ["a", "b"],
        "note": None,
        "name": "Zoë",
    }
    asset = _write_sidecar(tmp_path, json.dumps(document).encode())

    fields = read_sidecar_fields(asset)

    assert fields == {
        "sidecar.site.id": "S-1",
        "sidecar.site.geo.lat": "1.5",
        "sidecar.count": "3",
        "sidecar.reviewed": "true",
        "sidecar.tags": '["a", "b"]',
        "sidecar.name": "Zoë",
    }


def test_sidecar_fields_with_bom(tmp_path: Path) -> None:
    asset = _write_sidecar(tmp_path, codecs.BOM_UTF8 + b'{"a": "b"}')

    assert read_sidecar_fields(asset) == {"sidecar.a": "b"}


def test_sidecar_missing_is_empty(tmp_path: Path) -> None:
    assert read_sidecar_fields(tmp_path / "photo.jpg") == {}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"[1, 2]", r"must be a JSON object"),
        (b'"text"', r"must be a JSON object"),
        (b'{"a": 1,}', r"not valid JSON .* line 1"),
        (b'{"a": 1, "a": 2}', r'key "a" appears twice'),
        (b'{"a.b": 1, "a": {"b": 2}}', r'field "sidecar.a.b" is given twice'),
        (b'{"a": "\xff"}', r"not UTF-8"),
    ],
)
def test_sidecar_invalid(tmp_path: Path, content: bytes, message: str) -> None:
    asset = _write_sidecar(tmp_path, content)

    with pytest.raises(MediaError, match=r"^photo\.jpg\.json: .*" + message):
        read_sidecar_fields(asset)


def test_sidecar_over_one_mib(tmp_path: Path) -> None:
    asset = _write_sidecar(tmp_path, b'{"a": "' + b"x" * (1024 * 1024) + b'"}')

    with pytest.raises(MediaError, match=r"over the 1 MiB limit"):
        read_sidecar_fields(asset)


# CSV -------------------------------------------------------------------------


def test_csv_fields_with_bom_and_path_column(tmp_path: Path) -> None:
    table = tmp_path / "meta.csv"
    text = 'site,Path,note\r\nA,img/1.jpg,"two\r\nlines"\r\nB,.\\img\\2.jpg,ok\r\n'
    table.write_bytes(codecs.BOM_UTF8 + text.encode())

    rows, errors = read_csv_fields(table)

    assert errors == []
    assert rows == {
        "img/1.jpg": {"csv.site": "A", "csv.note": "two\r\nlines"},
        "img/2.jpg": {"csv.site": "B", "csv.note": "ok"},
    }


def test_csv_first_column_is_path_by_default(tmp_path: Path) -> None:
    table = tmp_path / "meta.csv"
    table.write_text("file,label\na.png,cat\n")

    rows, _ = read_csv_fields(table)

    assert rows == {"a.png": {"csv.label": "cat"}}


def test_csv_bad_rows_name_lines(tmp_path: Path) -> None:
    table = tmp_path / "meta.csv"
    table.write_text(
        "path,label\na.png,cat\n,dog\na.png,bird\n../up.png,x\nb.png,x,extra\n\nc.png\n"
    )

    rows, errors = read_csv_fields(table)
    messages = [str(error) for error in errors]

    assert rows == {"a.png": {"csv.label": "cat"}, "c.png": {"csv.label": ""}}
    assert messages == [
        "meta.csv: line 3 has an empty path; fill in the file path",
        "meta.csv: line 4 repeats the path of line 2; keep one row per file",
        'meta.csv: line 5 has a path outside the folder (absolute or with ".."); use'
        " a path relative to the folder",
        "meta.csv: line 6 has 3 values but the header has 2 columns; quote values"
        " that contain commas",
    ]


def test_csv_cp1252_text(tmp_path: Path) -> None:
    table = tmp_path / "meta.csv"
    table.write_bytes("path,owner\na.png,Zoë\n".encode("cp1252"))

    rows, _ = read_csv_fields(table)

    assert rows["a.png"]["csv.owner"] == "Zoë"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", r"CSV file is empty"),
        ("path,,label\n", r"CSV header has an empty name in column 2"),
        ("path,label,label\n", r"CSV header repeats the column 'label'"),
    ],
)
def test_csv_invalid_header(tmp_path: Path, content: str, message: str) -> None:
    table = tmp_path / "meta.csv"
    table.write_text(content)

    with pytest.raises(MediaError, match=r"^meta\.csv: " + message):
        read_csv_fields(table)


def test_csv_of_corpus_with_bom() -> None:
    path = corpus_path(
        "text", "documents", "presidio_research_FakeNameGenerator.com_100.csv"
    )

    rows, errors = read_csv_fields(path)

    assert errors == []
    assert len(rows) == 100
    assert "csv.GivenName" in rows["1"]
