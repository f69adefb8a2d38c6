"""TrackerMIL suggestions follow a moving object and are never saved on their own."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from labeler.core.annotations import AnnotationStore
from labeler.core.errors import ConfigError
from labeler.core.video.tracker import suggest_keyframes
from labeler.core.video.tracks import Keyframe, Track
from tests.core.video import build_video_workspace

START = (40, 60)
STEP = (3, 1)
SIDE = 40


def _write_moving_patch(path: Path, count: int) -> None:
    """Write a patterned square moving by STEP pixels per frame over a fixed textured field."""
    random = np.random.default_rng(7)
    field = cv2.GaussianBlur(random.integers(0, 256, (240, 320, 3), dtype=np.uint8), (9, 9), 0)
    # A coarse random pattern, unlike the blurred field and not periodic.
    patch = np.kron(random.integers(0, 2, (5, 5)) * 255, np.ones((8, 8))).astype(np.uint8)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 25, (320, 240))
    for index in range(count):
        frame = field.copy()
        x, y = START[0] + STEP[0] * index, START[1] + STEP[1] * index
        frame[y:y + SIDE, x:x + SIDE] = patch[:, :, np.newaxis]
        writer.write(frame)
    writer.release()


def test_tracker_suggestions_follow_object(tmp_path: Path) -> None:
    bucket = tmp_path / "bucket"
    bucket.mkdir()
    _write_moving_patch(bucket / "moving.avi", 30)
    workspace = build_video_workspace(tmp_path / "ws", bucket)
    workspace.import_bucket()
    project = workspace.open("anna")
    asset = project.list_assets()[0]
    start = {"x": START[0] + 5 * STEP[0], "y": START[1] + 5 * STEP[1], "w": SIDE, "h": SIDE}
    track = Track("bbox", (Keyframe(5, start),))

    suggestions = suggest_keyframes(project, asset, track, 5, 20, step=5)

    assert [s.frame for s in suggestions] == [10, 15, 20, 25]
    for suggestion in suggestions:
        expected_x = START[0] + STEP[0] * suggestion.frame
        expected_y = START[1] + STEP[1] * suggestion.frame
        assert suggestion.geometry["x"] == pytest.approx(expected_x, abs=6)
        assert suggestion.geometry["y"] == pytest.approx(expected_y, abs=6)
        assert (suggestion.geometry["w"], suggestion.geometry["h"]) == (SIDE, SIDE)
    assert AnnotationStore(project).list(asset.id) == []
    project.session.lock()


def test_tracker_rejects_frame_where_track_is_hidden(tmp_path: Path) -> None:
    bucket = tmp_path / "bucket"
    bucket.mkdir()
    _write_moving_patch(bucket / "moving.avi", 5)
    workspace = build_video_workspace(tmp_path / "ws", bucket)
    workspace.import_bucket()
    project = workspace.open("anna")
    track = Track("bbox", (Keyframe(3, {"x": 1, "y": 1, "w": 5, "h": 5}),))
    with pytest.raises(ConfigError, match="not shown on frame 1"):
        suggest_keyframes(project, project.list_assets()[0], track, 1, 3)
    project.session.lock()
