"""The video view: frame keys of CVAT and Label Studio, jumps, playback, track edits, undo."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from labeler.core.annotations import Annotation, AnnotationStore
from labeler.core.project import Project
from labeler.core.video.tracks import Track
from labeler.gui.canvas.commands import Change
from labeler.gui.video_view import VideoAnnotationView, format_time, parse_time
from labeler.gui.workers import TaskRunner
from tests.core.video import (
    build_video_workspace,
    read_index,
    set_mp4_frame_durations,
    write_video,
)

pytestmark = pytest.mark.gui

FRAMES = 40


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    bucket = tmp_path / "bucket"
    bucket.mkdir()
    path = write_video(bucket / "coded.mp4", FRAMES, fps=25)
    # Frames 0-19 last 40 ms, frames 20-39 last 80 ms: a variable frame rate.
    set_mp4_frame_durations(path, [512] * 20 + [1024] * 20)
    workspace = build_video_workspace(tmp_path / "ws", bucket)
    assert workspace.import_bucket().finished
    opened = workspace.open("anna")
    yield opened
    opened.session.lock()


@pytest.fixture
def view(qtbot: QtBot, project: Project) -> VideoAnnotationView:
    widget = VideoAnnotationView(runner=TaskRunner(synchronous=True))
    qtbot.addWidget(widget)
    widget.resize(800, 600)
    widget.show()
    qtbot.waitExposed(widget)
    widget.show_video(project, project.list_assets()[0])
    widget.activateWindow()
    widget.canvas().view().setFocus()
    return widget


def _shown_index(view: VideoAnnotationView, project: Project) -> int:
    from labeler.core.video.index import read_frame

    return read_index(read_frame(project, project.list_assets()[0], view.current_frame()))


@pytest.mark.parametrize("key, modifier, expected", [
    (Qt.Key.Key_F, Qt.KeyboardModifier.NoModifier, 16),
    (Qt.Key.Key_D, Qt.KeyboardModifier.NoModifier, 14),
    (Qt.Key.Key_V, Qt.KeyboardModifier.NoModifier, 25),
    (Qt.Key.Key_C, Qt.KeyboardModifier.NoModifier, 5),
    (Qt.Key.Key_Right, Qt.KeyboardModifier.NoModifier, 16),
    (Qt.Key.Key_Left, Qt.KeyboardModifier.NoModifier, 14),
    (Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier, 25),
    (Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier, 5),
])
def test_frame_keys_step(qtbot: QtBot, view: VideoAnnotationView, project: Project,
                         key: Qt.Key, modifier: Qt.KeyboardModifier, expected: int) -> None:
    view.go_to_frame(15)
    qtbot.keyClick(view.canvas().view().viewport(), key, modifier)
    assert view.current_frame() == expected
    assert _shown_index(view, project) == expected


def test_space_plays_at_video_timing(qtbot: QtBot, view: VideoAnnotationView) -> None:
    frames = view.frames()
    assert frames is not None
    view.go_to_frame(15)
    started = time.monotonic()
    qtbot.keyClick(view.canvas().view().viewport(), Qt.Key.Key_Space)
    assert view.is_playing()
    qtbot.waitUntil(lambda: view.current_frame() == FRAMES - 1, timeout=10_000)
    elapsed_ms = (time.monotonic() - started) * 1000
    expected_ms = frames.timestamps_ms[FRAMES - 1] - frames.timestamps_ms[15]
    assert expected_ms == pytest.approx(5 * 40 + 19 * 80)
    assert elapsed_ms >= expected_ms - 40
    assert not view.is_playing()


def test_jump_to_frame_and_time(view: VideoAnnotationView, project: Project) -> None:
    view._frame_box.setValue(33)  # noqa: SLF001 - the spin box is the jump control
    assert view.current_frame() == 33
    view._time_field.setText("1.0")  # noqa: SLF001
    view._time_field.returnPressed.emit()  # noqa: SLF001
    # 20 frames of 40 ms reach 800 ms, then 80 ms frames: 1000 ms falls in frame 22.
    assert view.current_frame() == 22
    assert _shown_index(view, project) == 22


@pytest.mark.parametrize("text, milliseconds", [("75.5", 75500), ("1:15.5", 75500),
                                                ("0:01:15.5", 75500), ("0", 0)])
def test_parse_time_forms(text: str, milliseconds: float) -> None:
    assert parse_time(text) == pytest.approx(milliseconds)


@pytest.mark.parametrize("text", ["", "a", "1:", "-3", "1:2:3:4"])
def test_parse_time_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_time(text)


def test_format_time() -> None:
    assert format_time(75500) == "1:15.500"


def _draw_box(view: VideoAnnotationView, x: float) -> str:
    canvas = view.canvas()
    canvas.set_current_label("person")
    assert canvas.create("bbox", "person", {"x": x, "y": 10.0, "w": 20.0, "h": 20.0})
    return next(iter(view.stored_annotations()))


def _move(view: VideoAnnotationView, annotation_id: str, x: float) -> bool:
    shown = view.displayed_annotations()[annotation_id]
    moved = shown.with_data({**shown.data, "x": x})
    return view.canvas().commit("Move", [Change(annotation_id, shown, moved)])


def _stored_track(project: Project, annotation_id: str) -> Track:
    asset_id = project.list_assets()[0].id
    stored = {a.id: a for a in AnnotationStore(project).list(asset_id)}
    return Track.from_data(stored[annotation_id].data)


def test_drawing_and_moving_sets_keyframes_with_undo(view: VideoAnnotationView,
                                                     project: Project) -> None:
    view.go_to_frame(0)
    track_id = _draw_box(view, 10.0)
    view.go_to_frame(10)
    assert _move(view, track_id, 60.0)

    track = _stored_track(project, track_id)
    assert [k.frame for k in track.keyframes] == [0, 10]
    view.go_to_frame(5)
    assert view.displayed_annotations()[track_id].data["x"] == pytest.approx(35.0)
    assert [row.keyframes for row in view.timeline().model.tracks] == [(0, 10)]

    view.undo_stack().undo()
    assert [k.frame for k in _stored_track(project, track_id).keyframes] == [0]
    assert view.displayed_annotations()[track_id].data["x"] == pytest.approx(10.0)
    view.undo_stack().redo()
    assert _stored_track(project, track_id) == track
    view.undo_stack().undo()
    view.undo_stack().undo()
    assert AnnotationStore(project).list(project.list_assets()[0].id) == []
    assert view.displayed_annotations() == {}


def test_edit_between_keyframes_touches_only_segment(view: VideoAnnotationView,
                                                     project: Project) -> None:
    track_id = _draw_box(view, 0.0)
    for frame, x in ((10, 100.0), (20, 110.0), (30, 0.0)):
        view.go_to_frame(frame)
        assert _move(view, track_id, x)
    before = _stored_track(project, track_id)
    view.go_to_frame(25)
    assert _move(view, track_id, 80.0)
    after = _stored_track(project, track_id)
    changed = [f for f in range(FRAMES) if before.shape_at(f) != after.shape_at(f)]
    assert changed == list(range(21, 30))


def test_track_flags_split_and_merge(view: VideoAnnotationView, project: Project) -> None:
    track_id = _draw_box(view, 10.0)
    view.go_to_frame(20)
    assert _move(view, track_id, 50.0)
    view.go_to_frame(10)
    assert view.toggle_occluded()
    assert _stored_track(project, track_id).shape_at(12).occluded  # type: ignore[union-attr]
    view.go_to_frame(30)
    assert view.toggle_outside()
    assert track_id not in view.displayed_annotations()
    assert view.toggle_outside()
    assert track_id in view.displayed_annotations()

    view.go_to_frame(15)
    assert view.split_track()
    stored = view.stored_annotations()
    assert len(stored) == 2
    second_id = next(key for key in stored if key != track_id)
    assert _stored_track(project, track_id).shape_at(15) is None
    assert _stored_track(project, second_id).first_frame == 15

    view.undo_stack().undo()
    assert list(view.stored_annotations()) == [track_id]
    assert _stored_track(project, track_id).shape_at(15) is not None


def test_merge_joins_selected_tracks(view: VideoAnnotationView, project: Project) -> None:
    first = _draw_box(view, 10.0)
    view.go_to_frame(15)
    assert view.split_track()
    second = next(key for key in view.stored_annotations() if key != first)
    # The parts never share a frame, so they are picked on the timeline, with Ctrl.
    view.select_track(first)
    view.select_track(second, adding=True)
    assert view.selected_track_ids() == [first, second]
    assert view.merge_selected_tracks()
    assert list(view.stored_annotations()) == [first]
    merged = _stored_track(project, first)
    assert merged.shape_at(15) is not None
    assert merged.shape_at(14) is not None


def test_frame_shapes_and_propagate(view: VideoAnnotationView, project: Project) -> None:
    view._tracks_box.setChecked(False)  # noqa: SLF001
    view._propagate_box.setValue(3)  # noqa: SLF001
    view.go_to_frame(5)
    shape_id = _draw_box(view, 10.0)
    assert view.stored_annotations()[shape_id].data["frame"] == 5
    view.canvas().select(view.canvas().shape_items())
    assert view.propagate_selection()
    frames = sorted(a.data["frame"] for a in view.stored_annotations().values())
    assert frames == [5, 6, 7, 8]
    assert view.timeline().model.shape_frames == frozenset({5, 6, 7, 8})
    view.go_to_frame(9)
    assert view.displayed_annotations() == {}
    view.undo_stack().undo()
    assert len(AnnotationStore(project).list(project.list_assets()[0].id)) == 1


def test_keyframe_toggle_and_navigation(view: VideoAnnotationView, project: Project) -> None:
    track_id = _draw_box(view, 10.0)
    view.canvas().select(view.canvas().shape_items())
    view.go_to_frame(12)
    assert view.toggle_keyframe()
    assert [k.frame for k in _stored_track(project, track_id).keyframes] == [0, 12]
    view.go_to_frame(0)
    view.go_to_keyframe(1)
    assert view.current_frame() == 12
    view.go_to_keyframe(-1)
    assert view.current_frame() == 0
    view.go_to_frame(12)
    assert view.toggle_keyframe()
    assert [k.frame for k in _stored_track(project, track_id).keyframes] == [0]


def test_content_hidden_pauses_and_hides(view: VideoAnnotationView) -> None:
    view.play()
    view.set_content_hidden(True)
    assert not view.is_playing()
    assert not view.timeline().isVisible()
    assert view.canvas().is_content_hidden()
    view.set_content_hidden(False)
    assert view.timeline().isVisible()


def test_asset_without_frames_reports_error(qtbot: QtBot, view: VideoAnnotationView,
                                            project: Project) -> None:
    asset = project.list_assets()[0]
    project.db.execute("DELETE FROM video_frames")
    project.db.execute("DELETE FROM video_extractions")
    with qtbot.waitSignal(view.error_occurred) as signal:
        view.show_video(project, asset)
    assert "no extracted frames" in signal.args[0]


def test_actions_list_both_key_sets(view: VideoAnnotationView) -> None:
    keys = {action.objectName(): [s.toString() for s in action.shortcuts()]
            for action in view.actions()}
    assert keys["video_next_frame"] == ["F", "Right"]
    assert keys["video_back_10"] == ["C", "Alt+Left"]
    assert keys["canvas_fit"] == ["Ctrl+0"]
    assert keys["canvas_tool_select"] == ["S"]
    everything = [key for values in keys.values() for key in values]
    assert len(everything) == len(set(everything))
    assert "F; Right: Next frame" in view.help_lines()


def test_annotations_from_store_shown_on_open(qtbot: QtBot, project: Project) -> None:
    asset = project.list_assets()[0]
    track = {"shape": "bbox", "keyframes": [
        {"frame": 0, "geometry": {"x": 0, "y": 0, "w": 10, "h": 10}},
        {"frame": 4, "geometry": {"x": 40, "y": 0, "w": 10, "h": 10}}]}
    AnnotationStore(project).save(Annotation(asset.id, "track", "person", track))
    view = VideoAnnotationView(runner=TaskRunner(synchronous=True))
    qtbot.addWidget(view)
    view.show_video(project, asset)
    view.go_to_frame(1)
    shown = list(view.displayed_annotations().values())
    assert [a.data["x"] for a in shown] == [pytest.approx(10.0)]
    assert len(view.canvas().shape_items()) == 1


def test_read_only_video_takes_no_edits(view: VideoAnnotationView, project: Project) -> None:
    track_id = _draw_box(view, 10.0)
    messages: list[str] = []
    view.status_message.connect(messages.append)

    view.set_store(None)

    assert view.is_read_only()
    view.go_to_frame(10)
    assert not _move(view, track_id, 60.0)
    view.select_track(track_id)
    view.toggle_keyframe()
    assert [k.frame for k in _stored_track(project, track_id).keyframes] == [0]
    assert messages


def test_claimed_window_key_steps_frame(qtbot: QtBot, view: VideoAnnotationView) -> None:
    """A key the main window binds too (D) steps a frame while the view has focus."""
    from PySide6.QtGui import QAction, QKeySequence

    outside = QAction("Next asset", view.window())
    outside.setShortcut(QKeySequence("D"))
    fired: list[bool] = []
    outside.triggered.connect(lambda: fired.append(True))
    view.window().addAction(outside)
    view.set_window_keys([QKeySequence("D")])
    view.go_to_frame(15)

    qtbot.keyClick(view.canvas().view().viewport(), Qt.Key.Key_D)

    assert view.current_frame() == 14
    assert fired == []


def test_position_keeps_apart_from_next_frames(qtbot: QtBot,
                                               view: VideoAnnotationView) -> None:
    from PySide6.QtWidgets import QLabel

    view.resize(1, 400)  # as narrow as its layout allows
    qtbot.waitUntil(lambda: view.width() < 800)
    position = view.findChild(QLabel, "videoPosition")
    next_frames = view.findChild(QLabel, "nextFramesLabel")

    assert next_frames.text() == "Next frames:"
    gap = next_frames.geometry().left() - position.geometry().right()
    assert gap >= 12
