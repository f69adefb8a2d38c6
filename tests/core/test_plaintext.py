"""No plaintext on disk: a byte scan for planted markers, with a control that finds them."""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import tempfile
import time
from pathlib import Path

import pydicom
import pytest
from pydicom.data import get_testdata_file

from labeler.core.annotations import Annotation, AnnotationStore
from labeler.core.ingest import run_import
from labeler.core.logsetup import configure_logging
from tests.core.factories import build_workspace


def _plant_markers(bucket: Path) -> list[str]:
    """Write 20 unique markers into text files, sidecar values and DICOM tags."""
    # 14 characters: short enough for every DICOM string VR used below.
    markers = [f"MK{index:02d}{secrets.token_hex(5).upper()}" for index in range(20)]
    bucket.mkdir()
    for index in range(8):
        (bucket / f"note-{index}.txt").write_text(
            f"Clinical note {index}. Patient identifier {markers[index]} seen today.\n")
    (bucket / "photo.png").write_bytes(_tiny_png())
    (bucket / "photo.png.json").write_text(json.dumps(
        {f"key{index}": markers[8 + index] for index in range(6)}))
    dataset = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    for keyword, marker in zip(("PatientName", "PatientID", "InstitutionName",
                                "ReferringPhysicianName", "AccessionNumber",
                                "StudyDescription"), markers[14:]):
        setattr(dataset, keyword, marker)
    dataset.save_as(bucket / "scan.dcm")
    return markers


def _tiny_png() -> bytes:
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (16, 16), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def _scan(paths: list[Path], markers: list[str]) -> set[str]:
    """Return the markers found in the bytes of any file under `paths`."""
    found: set[str] = set()
    encoded = {marker: (marker.encode(), marker.encode("utf-16-le")) for marker in markers}
    for root in paths:
        files = [root] if root.is_file() else [p for p in root.rglob("*") if p.is_file()]
        for path in files:
            try:
                data = path.read_bytes()
            except OSError:
                continue  # another process removed its temp file while we scanned
            for marker, forms in encoded.items():
                if any(form in data for form in forms):
                    found.add(marker)
    return found


def _recent_temp_files(since: float, exclude: Path) -> list[Path]:
    temp = Path(tempfile.gettempdir())
    recent = []
    for folder, _dirs, names in os.walk(temp):
        for name in names:
            path = Path(folder) / name
            try:
                if path.is_file() and path.stat().st_mtime >= since \
                        and exclude not in path.parents:
                    recent.append(path)
            except OSError:
                continue
    return recent


def test_no_marker_reaches_disk(tmp_path: Path) -> None:
    started = time.time() - 1
    markers = _plant_markers(tmp_path / "bucket")
    log_path = configure_logging(debug=True, log_dir=tmp_path / "logs")
    assert log_path is not None
    workspace = build_workspace(tmp_path / "ws", tmp_path / "bucket")
    session = workspace.sign_in("admin")
    project = session.open_project(workspace.project_id)
    report = run_import(project, next(iter(project.record["buckets"])))
    assert report.failed == []
    store = AnnotationStore(project)
    for asset in project.list_assets():
        store.save(Annotation(asset.id, "bbox", "person",
                              {"x": 1, "y": 1, "w": 5, "h": 5,
                               "attributes": {"note": markers[0]}}))
        project.read_content(asset)
        project.fields_for_user(asset.id)
    project.db.execute("SELECT path FROM assets ORDER BY sha256 DESC").fetchall()
    session.lock()

    scanned = [tmp_path / "ws", log_path, *_recent_temp_files(started, tmp_path / "bucket")]
    assert _scan(scanned, markers) == set()


def test_scan_finds_markers_in_plain_copy(tmp_path: Path) -> None:
    """Control: the same bytes stored by plain sqlite3 show all 20 markers to the scan."""
    markers = _plant_markers(tmp_path / "bucket")
    workspace = build_workspace(tmp_path / "ws", tmp_path / "bucket")
    session = workspace.sign_in("admin")
    project = session.open_project(workspace.project_id)
    run_import(project, next(iter(project.record["buckets"])))
    plain = sqlite3.connect(tmp_path / "plain.db")
    plain.execute("CREATE TABLE content (path TEXT, data BLOB)")
    plain.execute("CREATE TABLE fields (path TEXT, name TEXT, value TEXT)")
    for asset in project.list_assets():
        plain.execute("INSERT INTO content VALUES (?, ?)", (asset.path, project.read_content(asset)))
        for field in project.fields_for_user(asset.id):
            plain.execute("INSERT INTO fields VALUES (?, ?, ?)", (asset.path, field.name,
                                                                  field.value))
    plain.commit()
    plain.close()
    session.lock()
    assert _scan([tmp_path / "plain.db"], markers) == set(markers)
    assert _scan([tmp_path / "ws"], markers) == set()


@pytest.fixture(autouse=True)
def _restore_logging() -> None:
    yield
    configure_logging(log_dir=Path(tempfile.mkdtemp(prefix="labeler-test-logs-")))
