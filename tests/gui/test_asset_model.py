"""The asset list model: counts, keyset pages, filters, and a million rows."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from labeler.core.annotations import Annotation, AnnotationStore
from labeler.gui.asset_browser import AssetBrowserWidget
from labeler.gui.asset_model import (
    ASSET_ID_ROLE,
    PAGE_SIZE,
    AssetFilter,
    AssetListModel,
)
from tests.core.factories import build_workspace

pytestmark = pytest.mark.gui

MILLION = 1_000_000


def test_model_lists_demo_assets(demo_workspace, qapp) -> None:
    session = demo_workspace.sign_in("anna")
    project = session.open_project(demo_workspace.project_id)
    model = AssetListModel()
    model.set_database(project.db)

    assert model.rowCount() == project.count_assets()
    ids = [model.index(row).data(ASSET_ID_ROLE) for row in range(model.rowCount())]
    assert ids == [asset.id for asset in project.list_assets()]
    assert model.position_of(ids[-1]) == len(ids) - 1
    session.lock()


def test_model_filters_by_kind_status_label_annotator(demo_workspace, qapp) -> None:
    session = demo_workspace.sign_in("anna")
    project = session.open_project(demo_workspace.project_id)
    store = AnnotationStore(project)
    photo = project.find_asset("photos/skimage_coffee.png")
    store.save(Annotation(photo.id, "bbox", "person", {"x": 1, "y": 2, "w": 3, "h": 4}))
    model = AssetListModel()
    model.set_database(project.db)

    model.set_filter(AssetFilter(kind="dicom"))
    assert model.rowCount() == 1
    assert model.row_at(0).path == "scans/CT_small.dcm"

    model.set_filter(AssetFilter(label="person"))
    assert [model.row_at(0).id] == [photo.id]
    assert model.rowCount() == 1

    model.set_filter(AssetFilter(label="vehicle"))
    assert model.rowCount() == 0

    model.set_filter(AssetFilter(annotator="anna", status="in_progress"))
    assert model.rowCount() == 1
    model.set_filter(AssetFilter(annotator="rita"))
    assert model.rowCount() == 0
    session.lock()


def test_model_forgets_rows_without_database(demo_workspace, qapp) -> None:
    session = demo_workspace.sign_in("anna")
    project = session.open_project(demo_workspace.project_id)
    model = AssetListModel()
    model.set_database(project.db)
    assert model.rowCount() > 0

    model.set_database(None)

    assert model.rowCount() == 0
    assert model.row_at(0) is None
    session.lock()


def fill_million_assets(db) -> None:  # type: ignore[no-untyped-def]
    """Insert MILLION asset rows sharing one blob, in one transaction."""
    rows = (
        (number, "b1", f"folder{number // 1000:04d}/image_{number:07d}.jpg", 1000, 0,
         "0" * 64, 1, "image", "JPEG", 640, 480, "done" if number % 3 == 0 else "new",
         "2026-01-01", "2026-01-01")
        for number in range(1, MILLION + 1)
    )
    db.execute("BEGIN")
    blob_columns = [row[1] for row in db.execute("PRAGMA table_info(blobs)")]
    values = {"id": 1, "uid": "million-test-blob", "sha256": "0" * 64, "size": 0,
              "chunk_count": 0, "key_version": 1, "class_id": None}
    db.execute(f"INSERT INTO blobs ({', '.join(blob_columns)})"
               f" VALUES ({', '.join('?' * len(blob_columns))})",
               [values[column] for column in blob_columns])
    db.executemany(
        "INSERT INTO assets (id, bucket_id, path, size, mtime_ns, sha256, blob_id, kind,"
        " format, width, height, status, imported_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    db.execute("COMMIT")


@pytest.mark.slow
def test_million_assets_scroll_reads_only_shown_pages(tmp_path: Path, qtbot) -> None:
    workspace = build_workspace(tmp_path / "workspace")
    session = workspace.sign_in("admin")
    project = session.open_project(workspace.project_id)
    fill_million_assets(project.db)
    statements: list[str] = []
    model = AssetListModel()

    started = time.perf_counter()
    model.set_database(project.db)
    reset_seconds = time.perf_counter() - started
    assert model.rowCount() == MILLION
    assert model.loaded_pages == []

    browser = AssetBrowserWidget(model, thumbnails=None)
    qtbot.addWidget(browser)
    browser.resize(420, 700)
    browser.show()
    qtbot.waitExposed(browser)
    QApplication.processEvents()
    assert model.loaded_pages == [0]

    project.db.set_trace_callback(statements.append)
    browser.view.scrollToBottom()
    browser.view.viewport().repaint()
    QApplication.processEvents()
    project.db.set_trace_callback(None)

    last_page = (MILLION - 1) // PAGE_SIZE
    assert model.loaded_pages[0] == 0
    assert set(model.loaded_pages[1:]) <= {last_page - 1, last_page}
    assert 1 <= len(model.loaded_pages[1:]) <= 2
    page_reads = [sql for sql in statements if "FROM assets" in sql]
    assert 1 <= len(page_reads) <= 2
    assert all("OFFSET" not in sql.upper() for sql in page_reads)
    last = model.index(MILLION - 1)
    assert last.data(ASSET_ID_ROLE) == MILLION
    assert last.data() == f"folder1000/image_{MILLION:07d}.jpg"
    # Counting and the page directory are one pass each. The bound is generous,
    # but it still fails if reading a page scans the whole table for each row.
    assert reset_seconds < 10, reset_seconds

    model.set_filter(AssetFilter(status="done"))
    assert model.rowCount() == MILLION // 3
    assert model.row_at(model.rowCount() - 1).id == 999_999
    session.lock()
