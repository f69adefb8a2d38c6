"""Tracks: interpolation against hand-computed values, segment-only edits, split, merge."""

from __future__ import annotations

from pathlib import Path

import pytest

from labeler.core.annotations import Annotation, AnnotationStore
from labeler.core.errors import ConfigError
from labeler.core.video.tracks import (
    Keyframe,
    Track,
    interpolate_geometry,
    merge_tracks,
    propagate_shape,
    validate_track,
)
from tests.core.video import build_video_workspace, write_video


def _box(x: float, y: float, w: float, h: float) -> dict[str, float]:
    return {"x": x, "y": y, "w": w, "h": h}


def _box_track() -> Track:
    return Track("bbox", (
        Keyframe(10, _box(0, 0, 10, 10)),
        Keyframe(20, _box(100, 50, 30, 10)),
        Keyframe(30, _box(100, 50, 30, 10), outside=True),
        Keyframe(40, _box(10, 10, 10, 10), occluded=True),
    ))


@pytest.mark.parametrize("frame, expected", [
    (10, _box(0, 0, 10, 10)),
    (11, _box(10, 5, 12, 10)),
    (15, _box(50, 25, 20, 10)),
    (17, _box(70, 35, 24, 10)),
    (19, _box(90, 45, 28, 10)),
    (20, _box(100, 50, 30, 10)),
    (25, _box(100, 50, 30, 10)),
    (40, _box(10, 10, 10, 10)),
    (500, _box(10, 10, 10, 10)),
])
def test_box_interpolation_matches_hand_values(frame: int, expected: dict[str, float]) -> None:
    shown = _box_track().shape_at(frame)
    assert shown is not None
    assert shown.geometry == pytest.approx(expected)


@pytest.mark.parametrize("frame", [0, 9, 30, 31, 39])
def test_box_hidden_before_start_and_while_outside(frame: int) -> None:
    assert _box_track().shape_at(frame) is None


def test_occluded_flag_holds_from_its_keyframe() -> None:
    track = _box_track()
    assert not track.shape_at(15).occluded  # type: ignore[union-attr]
    assert track.shape_at(41).occluded  # type: ignore[union-attr]
    assert track.shape_at(40).is_keyframe  # type: ignore[union-attr]
    assert not track.shape_at(41).is_keyframe  # type: ignore[union-attr]


def test_rotated_box_turns_the_short_way() -> None:
    start = {"cx": 10, "cy": 10, "w": 4, "h": 2, "angle": 350}
    end = {"cx": 20, "cy": 30, "w": 8, "h": 2, "angle": 30}
    middle = interpolate_geometry("rotated_bbox", start, end, 0.5)
    assert middle == pytest.approx({"cx": 15, "cy": 20, "w": 6, "h": 2, "angle": 10})
    quarter = interpolate_geometry("rotated_bbox", start, end, 0.25)
    assert quarter["angle"] == pytest.approx(0.0)


def test_polygon_vertices_move_linearly() -> None:
    track = Track("polygon", (
        Keyframe(0, {"points": [[0, 0], [10, 0], [10, 10]]}),
        Keyframe(4, {"points": [[4, 8], [18, 0], [10, 30]]}),
    ))
    assert track.shape_at(1).geometry == {  # type: ignore[union-attr]
        "points": [[1, 2], [12, 0], [10, 15]]}
    assert track.shape_at(3).geometry == {  # type: ignore[union-attr]
        "points": [[3, 6], [16, 0], [10, 25]]}


def test_polygon_with_new_vertex_count_holds() -> None:
    first = {"points": [[0, 0], [10, 0], [10, 10]]}
    track = Track("polygon", (
        Keyframe(0, first),
        Keyframe(4, {"points": [[0, 0], [10, 0], [10, 10], [0, 10]]}),
    ))
    assert track.shape_at(2).geometry == first  # type: ignore[union-attr]


def test_points_interpolate() -> None:
    track = Track("points", (Keyframe(0, {"points": [[0, 0]]}),
                             Keyframe(10, {"points": [[20, -10]]})))
    assert track.shape_at(5).geometry == {"points": [[10, -5]]}  # type: ignore[union-attr]


def _shapes(track: Track, frames: range) -> dict[int, object]:
    return {frame: track.shape_at(frame) for frame in frames}


def test_keyframe_edit_changes_only_its_segment() -> None:
    track = _box_track()
    before = _shapes(track, range(0, 60))
    edited = track.with_keyframe(Keyframe(20, _box(60, 60, 20, 20)))
    after = _shapes(edited, range(0, 60))

    changed = sorted(frame for frame in before if before[frame] != after[frame])
    assert changed == list(range(11, 30))
    assert edited.keyframe_at(10) == track.keyframe_at(10)
    assert edited.keyframe_at(30) == track.keyframe_at(30)
    assert edited.keyframe_at(40) == track.keyframe_at(40)
    assert after[15].geometry == pytest.approx(_box(30, 30, 15, 15))  # type: ignore[union-attr]


def test_new_keyframe_changes_only_its_segment() -> None:
    track = _box_track()
    before = _shapes(track, range(0, 60))
    edited = track.with_keyframe(Keyframe(14, _box(0, 80, 10, 10)))
    after = _shapes(edited, range(0, 60))
    changed = sorted(frame for frame in before if before[frame] != after[frame])
    assert changed == [11, 12, 13, 14, 15, 16, 17, 18, 19]
    assert [k.frame for k in edited.keyframes] == [10, 14, 20, 30, 40]


def test_removing_keyframe_rejoins_its_neighbours() -> None:
    track = _box_track().with_keyframe(Keyframe(14, _box(0, 80, 10, 10)))
    restored = track.without_keyframe(14)
    assert restored == _box_track()
    with pytest.raises(ConfigError, match="no keyframe on frame 15"):
        track.without_keyframe(15)


def test_split_makes_two_tracks_meeting_at_frame() -> None:
    first, second = _box_track().split(15)
    assert first.shape_at(14) == _box_track().shape_at(14)
    assert first.shape_at(15) is None
    assert first.keyframe_at(15).outside  # type: ignore[union-attr]
    assert second.first_frame == 15
    start = second.shape_at(15)
    assert start is not None
    assert start.geometry == pytest.approx(_box(50, 25, 20, 10))
    assert second.shape_at(17) == _box_track().shape_at(17)
    assert second.shape_at(14) is None


@pytest.mark.parametrize("frame", [10, 5, 35])
def test_split_rejects_frame_without_shape(frame: int) -> None:
    with pytest.raises(ConfigError, match=f"frame {frame} is not one"):
        _box_track().split(frame)


def test_merge_undoes_split() -> None:
    first, second = _box_track().split(15)
    merged = merge_tracks(second, first)
    for frame in range(0, 60):
        expected = _box_track().shape_at(frame)
        shown = merged.shape_at(frame)
        if expected is None:
            assert shown is None, frame
        else:
            assert shown is not None, frame
            assert shown.geometry == pytest.approx(expected.geometry), frame


def test_merge_rejects_other_shape() -> None:
    points = Track("points", (Keyframe(0, {"points": [[1, 1]]}),))
    with pytest.raises(ConfigError, match="cannot be merged"):
        merge_tracks(_box_track(), points)


@pytest.mark.parametrize("data, message", [
    ({"shape": "mask", "keyframes": []}, "track shape must be one of"),
    ({"shape": "bbox", "keyframes": []}, "at least one keyframe"),
    ({"shape": "bbox", "keyframes": [{"frame": -1, "geometry": _box(0, 0, 1, 1)}]},
     "frame number"),
    ({"shape": "bbox", "keyframes": [{"frame": 0, "geometry": _box(0, 0, 0, 1)}]},
     "positive width"),
    ({"shape": "bbox", "keyframes": [{"frame": 0, "geometry": _box(0, 0, 1, 1),
                                      "outside": True}]}, "first keyframe cannot be outside"),
    ({"shape": "bbox", "keyframes": [{"frame": 0, "geometry": _box(0, 0, 1, 1)},
                                     {"frame": 0, "geometry": _box(0, 0, 2, 2)}]},
     "two keyframes on one frame"),
    ({"shape": "bbox", "keyframes": [{"frame": 0, "geometry": _box(0, 0, 1, 1),
                                      "occluded": "yes"}]}, "occluded of keyframe 0"),
])
def test_invalid_track_is_rejected(data: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        validate_track(data)


def test_track_data_round_trips() -> None:
    track = _box_track()
    assert Track.from_data(track.to_data()) == track


def test_propagate_copies_to_next_frames() -> None:
    shape = Annotation(1, "bbox", "person", {"frame": 5, **_box(1, 2, 3, 4)})
    copies = propagate_shape(shape, 4, frame_count=8)
    assert [copy.data["frame"] for copy in copies] == [6, 7]
    assert all(copy.data["x"] == 1 and copy.id != shape.id for copy in copies)
    with pytest.raises(ConfigError, match="count of 1 or more"):
        propagate_shape(shape, 0, frame_count=8)


def test_store_saves_tracks_and_frame_shapes(tmp_path: Path) -> None:
    bucket = tmp_path / "bucket"
    bucket.mkdir()
    write_video(bucket / "v.mp4", 5)
    workspace = build_video_workspace(tmp_path / "ws", bucket)
    workspace.import_bucket()
    project = workspace.open("anna")
    store = AnnotationStore(project)
    asset_id = project.list_assets()[0].id

    track = store.save(Annotation(asset_id, "track", "person", _box_track().to_data()))
    shape = store.save(Annotation(asset_id, "bbox", "person", {"frame": 3, **_box(1, 2, 3, 4)}))
    image_box = store.save(Annotation(asset_id, "bbox", "person", _box(1, 2, 3, 4)))
    stored = {annotation.id: annotation for annotation in store.list(asset_id)}
    assert Track.from_data(stored[track.id].data) == _box_track()
    assert stored[shape.id].data["frame"] == 3
    assert "frame" not in stored[image_box.id].data
    with pytest.raises(ConfigError, match="does not allow track"):
        store.save(Annotation(asset_id, "track", "sign", _box_track().to_data()))
    with pytest.raises(ConfigError, match="frame number"):
        store.save(Annotation(asset_id, "bbox", "person", {"frame": 1.5, **_box(1, 2, 3, 4)}))
    project.session.lock()
