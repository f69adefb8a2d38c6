"""Bucket import: kinds, bad files with reasons, resume after a kill, re-import."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import unicodedata
import zlib
from pathlib import Path
from typing import Any

import pytest

from labeler.core.ingest import run_import
from labeler.core.project import Project
from tests.core.factories import DemoWorkspace, build_workspace
from tests.corpus import corpus_path

REPO = Path(__file__).resolve().parents[2]


def _import_as_admin(workspace: DemoWorkspace) -> Any:
    session = workspace.sign_in("admin")
    try:
        project = session.open_project(workspace.project_id)
        bucket_id = next(iter(project.record["buckets"]))
        return run_import(project, bucket_id)
    finally:
        session.lock()


def _snapshot(workspace: DemoWorkspace) -> dict[str, Any]:
    """Everything an import decides, in a form two workspaces can be compared by."""
    session = workspace.sign_in("admin")
    try:
        project = session.open_project(workspace.project_id)
        assets = {
            a.path: (a.sha256, a.kind, a.format, a.width, a.height, a.orientation, a.presence)
            for a in project.list_assets()
        }
        fields = {a.path: [(f.name, f.value) for f in project.fields_for_user(a.id)]
                  for a in project.list_assets()}
        errors = sorted(project.db.execute("SELECT path, reason FROM import_errors").fetchall())
        blobs = project.db.execute("SELECT count(*) FROM blobs").fetchone()[0]
        referenced = {r[0] for r in project.db.execute("SELECT file FROM chunks")}
        on_disk = {name for name, _ in project.chunks.all_files()}
        return {"assets": assets, "fields": fields, "errors": {p for p, _ in errors},
                "blobs": blobs, "orphans": len(on_disk - referenced),
                "missing_chunks": len(referenced - on_disk)}
    finally:
        session.lock()


def _copy_corpus(target: Path) -> Path:
    corpus = corpus_path()
    target.mkdir(parents=True)
    shutil.copytree(corpus / "images", target / "images")
    shutil.copytree(corpus / "video", target / "video")
    return target


def _add_bad_files(bucket: Path, outside: Path) -> None:
    (bucket / "bad").mkdir()
    (bucket / "bad" / "empty.jpg").write_bytes(b"")
    outside.write_text("a file outside the bucket")
    (bucket / "bad" / "escape.txt").symlink_to(outside)
    (bucket / "bad" / "loop").symlink_to(bucket, target_is_directory=True)
    os.mkfifo(bucket / "bad" / "pipe")


def test_corpus_import_lists_every_bad_file(tmp_path: Path) -> None:
    bucket = _copy_corpus(tmp_path / "bucket")
    _add_bad_files(bucket, tmp_path / "outside.txt")
    workspace = build_workspace(tmp_path / "ws", bucket)
    report = _import_as_admin(workspace)
    failed = dict(report.failed)
    assert "truncated" in failed["images/formats/truncated_jpeg.jpg"]
    assert "truncated" in failed["images/formats/truncated_image.png"]
    assert "empty" in failed["bad/empty.jpg"]
    assert "outside the bucket" in failed["bad/escape.txt"]
    assert "folder" in failed["bad/loop"]
    assert "not a regular file" in failed["bad/pipe"]
    assert len(failed) == 6
    readable = [p for p in bucket.rglob("*") if p.is_file() and not p.is_symlink()
                and p.stat().st_size and "truncated" not in p.name]
    assert report.added == len(readable)


def test_corpus_kinds_and_displayed_sizes(tmp_path: Path) -> None:
    bucket = _copy_corpus(tmp_path / "bucket")
    workspace = build_workspace(tmp_path / "ws", bucket)
    _import_as_admin(workspace)
    assets = _snapshot(workspace)["assets"]
    assert assets["video/opencv_vtest.avi"][1] == "video"
    assert assets["images/exif_orientation/Landscape_6.jpg"][3:6] == (1800, 1200, 6)
    assert assets["images/exif_orientation/Portrait_8.jpg"][3:6] == (1200, 1800, 8)
    assert assets["images/exif_orientation/Landscape_0.jpg"][3:6] == (1800, 1200, 1)
    assert assets["images/formats/pil_sample_cmyk.jpg"][1] == "image"


def test_killed_import_resumes_to_same_result(tmp_path: Path) -> None:
    bucket = _copy_corpus(tmp_path / "bucket")
    _add_bad_files(bucket, tmp_path / "outside.txt")
    reference = build_workspace(tmp_path / "reference", bucket)
    _import_as_admin(reference)
    killed = build_workspace(tmp_path / "killed", bucket)
    script = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from labeler.core.ingest import run_import\n"
        "from tests.core.factories import DemoWorkspace\n"
        "ws = DemoWorkspace(Path(sys.argv[1]), sys.argv[2])\n"
        "session = ws.sign_in('admin')\n"
        "project = session.open_project(ws.project_id)\n"
        "def progress(p):\n"
        "    if p.files_done >= 40:\n"
        "        print('KILLING at', p.files_done, flush=True)\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "run_import(project, next(iter(project.record['buckets'])), progress=progress)\n"
    )
    result = subprocess.run([sys.executable, "-c", script, str(killed.root), killed.project_id],
                            cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == -signal.SIGKILL, result.stderr
    partial = _snapshot(killed)
    assert 0 < len(partial["assets"]) < len(_snapshot(reference)["assets"])
    report = _import_as_admin(killed)
    assert report.resumed
    reference_report = _import_as_admin(reference)
    assert report.added == len(_snapshot(reference)["assets"])
    assert report.unchanged == 0
    assert reference_report.unchanged == len(_snapshot(reference)["assets"])
    resumed = _snapshot(killed)
    expected = _snapshot(reference)
    assert resumed["assets"] == expected["assets"]
    assert resumed["fields"] == expected["fields"]
    assert resumed["errors"] == expected["errors"]
    assert resumed["blobs"] == expected["blobs"]
    assert resumed["orphans"] == 0
    assert resumed["missing_chunks"] == 0


def test_reimport_reports_added_changed_moved_missing(tmp_path: Path) -> None:
    bucket = tmp_path / "bucket"
    bucket.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        (bucket / name).write_text(f"document {name}\n")
    workspace = build_workspace(tmp_path / "ws", bucket)
    first = _import_as_admin(workspace)
    assert first.added == 3
    (bucket / "a.txt").write_text("document a, edited\n")
    (bucket / "sub").mkdir()
    (bucket / "b.txt").rename(bucket / "sub" / "b-moved.txt")
    (bucket / "c.txt").unlink()
    (bucket / "d.txt").write_text("a new document\n")
    second = _import_as_admin(workspace)
    assert second.added == 1
    assert second.changed == 1
    assert second.moved == [("b.txt", "sub/b-moved.txt")]
    assert second.missing == ["c.txt"]
    assets = _snapshot(workspace)["assets"]
    assert assets["c.txt"][-1] == "missing"
    assert "b.txt" not in assets
    third = _import_as_admin(workspace)
    assert (third.added, third.changed, third.unchanged) == (0, 0, 3)


def test_same_content_is_stored_once(tmp_path: Path) -> None:
    bucket = tmp_path / "bucket"
    bucket.mkdir()
    for name in ("one.txt", "two.txt", "copy of one.txt"):
        (bucket / name).write_text("identical content\n")
    workspace = build_workspace(tmp_path / "ws", bucket)
    _import_as_admin(workspace)
    snapshot = _snapshot(workspace)
    assert len(snapshot["assets"]) == 3
    assert snapshot["blobs"] == 1


def test_awkward_names_are_kept_apart(tmp_path: Path) -> None:
    bucket = tmp_path / "bucket"
    bucket.mkdir()
    nfc = unicodedata.normalize("NFC", "café.txt")
    nfd = unicodedata.normalize("NFD", "café.txt")
    names = [nfc, nfd, "Report.txt", "report.txt", "with space .txt", "日本語 ファイル.txt"]
    for index, name in enumerate(names):
        (bucket / name).write_text(f"file number {index}\n")
    (bucket / os.fsdecode(b"latin1-\xe9.txt")).write_text("bad name\n")
    workspace = build_workspace(tmp_path / "ws", bucket)
    report = _import_as_admin(workspace)
    assets = _snapshot(workspace)["assets"]
    assert set(names) <= set(assets)
    assert len(report.failed) == 1
    assert "not valid UTF-8" in report.failed[0][1]


def test_pixel_bomb_is_rejected_before_decoding(tmp_path: Path) -> None:
    bucket = tmp_path / "bucket"
    bucket.mkdir()
    _write_png_bomb(bucket / "bomb.png", 20000, 20000)
    workspace = build_workspace(tmp_path / "ws", bucket)
    report = _import_as_admin(workspace)
    assert report.added == 0
    assert "pixel" in report.failed[0][1]


def _write_png_bomb(path: Path, width: int, height: int) -> None:
    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 0, 0, 0, 0])
    compressor = zlib.compressobj(9)
    row = b"\x00" * (width + 1)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body).to_bytes(4, "big")
        return len(body).to_bytes(4, "big") + kind + body + crc

    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data)
                     + chunk(b"IEND", b""))


def test_csv_row_leaving_bucket_is_reported(tmp_path: Path) -> None:
    bucket = tmp_path / "bucket"
    bucket.mkdir()
    (bucket / "a.txt").write_text("text\n")
    (bucket / "metadata.csv").write_text("path,site\na.txt,North\n../secret.txt,South\n")
    workspace = build_workspace(tmp_path / "ws", bucket)
    report = _import_as_admin(workspace)
    assert report.added == 1
    assert any(".." in reason or "leave" in reason for _path, reason in report.failed)
    session = workspace.sign_in("admin")
    project: Project = session.open_project(workspace.project_id)
    values = {f.name: f.value for f in project.fields_for_user(project.find_asset("a.txt").id)}
    session.lock()
    assert values["csv.site"] == "North"


def test_large_truncated_jpeg_is_rejected(tmp_path: Path) -> None:
    """JPEGs over the decode-verify size get the structure check, which still detects a cut."""
    import numpy as np
    from PIL import Image

    from labeler.core.media.probe import JPEG_DECODE_VERIFY_MAX_BYTES

    bucket = tmp_path / "bucket"
    bucket.mkdir()
    noise = np.random.default_rng(1).integers(0, 255, (1400, 1400, 3), dtype=np.uint8)
    Image.fromarray(noise).save(bucket / "whole.jpg", quality=95)
    data = (bucket / "whole.jpg").read_bytes()
    assert len(data) > JPEG_DECODE_VERIFY_MAX_BYTES
    (bucket / "cut.jpg").write_bytes(data[: len(data) * 2 // 3])
    workspace = build_workspace(tmp_path / "ws", bucket)
    report = _import_as_admin(workspace)
    assert report.added == 1
    assert report.failed == [("cut.jpg", "image data ends early (truncated file); "
                                         "re-copy it from the source")]


def test_short_csv_row_is_reported_and_applied(tmp_path: Path) -> None:
    bucket = tmp_path / "bucket"
    bucket.mkdir()
    (bucket / "a.txt").write_text("text\n")
    (bucket / "metadata.csv").write_text("path,site,consent,batch\na.txt,North\n")
    workspace = build_workspace(tmp_path / "ws", bucket)
    report = _import_as_admin(workspace)
    assert any("line 2 has 2 values" in reason for _path, reason in report.failed)
    session = workspace.sign_in("admin")
    project = session.open_project(workspace.project_id)
    values = {f.name: f.value for f in project.fields_for_user(project.find_asset("a.txt").id)}
    session.lock()
    assert values["csv.site"] == "North"
    assert "csv.consent" not in values
