"""Editing shapes: every accepted edit is one undo step, checked against the store."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from labeler.core.annotations import Annotation
from labeler.gui.canvas import AnnotationCanvas
from tests.gui.canvas.helpers import (  # noqa: F401 - fixtures
    IMAGE_HEIGHT,
    IMAGE_WIDTH,
    Assets,
    assets,
    canvas,
    click_image,
    double_click,
    drag_image,
)

pytestmark = pytest.mark.gui


def _reload(canvas: AnnotationCanvas, assets: Assets, asset_id: int | None = None) -> None:
    """Show an asset again from what the store contains (as the main window does)."""
    asset_id = asset_id or assets.first
    canvas.show_image(asset_id, assets.pixels, assets.stored(asset_id))


def _seed(canvas: AnnotationCanvas, assets: Assets, *annotations: Annotation) -> list[str]:
    saved = [assets.store.save(annotation) for annotation in annotations]
    canvas.clear()
    _reload(canvas, assets)
    canvas.zoom_actual()
    return [annotation.id for annotation in saved]


def _box(x: float, y: float, w: float, h: float, asset_id: int,
         label: str = "person") -> Annotation:
    return Annotation(asset_id, "bbox", label, {"x": x, "y": y, "w": w, "h": h})


def _stored_by_id(assets: Assets, asset_id: int | None = None) -> dict[str, Annotation]:
    return {a.id: a for a in assets.stored(asset_id or assets.first)}


def _key(canvas: AnnotationCanvas, key: Qt.Key,
         modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    QTest.keyClick(canvas.viewport_widget(), key, modifiers)


def test_move_box_is_one_undo_step(canvas: AnnotationCanvas, assets: Assets) -> None:
    (box_id,) = _seed(canvas, assets, _box(100, 100, 80, 60, assets.first))
    canvas.set_tool("select")

    drag_image(canvas, (140, 130), (190, 160), steps=12)

    moved = _stored_by_id(assets)[box_id].data
    assert moved["x"] == pytest.approx(150, abs=1)
    assert moved["y"] == pytest.approx(130, abs=1)
    assert moved["w"] == 80
    assert canvas.undo_stack().count() == 1

    _key(canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)

    restored = _stored_by_id(assets)[box_id].data
    assert (restored["x"], restored["y"]) == (100, 100)
    assert canvas.shape_items()[0].data["x"] == 100


def test_move_is_clamped_to_image(canvas: AnnotationCanvas, assets: Assets) -> None:
    (box_id,) = _seed(canvas, assets, _box(100, 100, 80, 60, assets.first))
    canvas.fit()
    canvas.set_tool("select")

    drag_image(canvas, (140, 130), (-200, -200))

    moved = _stored_by_id(assets)[box_id].data
    assert (moved["x"], moved["y"]) == (0, 0)


def test_resize_box_by_corner_handle(canvas: AnnotationCanvas, assets: Assets) -> None:
    (box_id,) = _seed(canvas, assets, _box(100, 100, 80, 60, assets.first))
    canvas.set_tool("select")
    click_image(canvas, 140, 130)
    assert canvas.shape_items()[0].isSelected()

    drag_image(canvas, (180, 160), (220, 200))

    data = _stored_by_id(assets)[box_id].data
    assert (data["x"], data["y"]) == (100, 100)
    assert data["w"] == pytest.approx(120, abs=1)
    assert data["h"] == pytest.approx(100, abs=1)
    assert canvas.undo_stack().count() == 1

    canvas.undo_stack().undo()
    data = _stored_by_id(assets)[box_id].data
    assert (data["w"], data["h"]) == (80, 60)


def test_resize_box_by_edge_handle(canvas: AnnotationCanvas, assets: Assets) -> None:
    (box_id,) = _seed(canvas, assets, _box(100, 100, 80, 60, assets.first))
    canvas.set_tool("select")
    click_image(canvas, 140, 130)

    drag_image(canvas, (140, 100), (140, 70))  # top edge up by 30

    data = _stored_by_id(assets)[box_id].data
    assert data["y"] == pytest.approx(70, abs=1)
    assert data["h"] == pytest.approx(90, abs=1)
    assert data["x"] == 100
    assert data["w"] == 80


def _polygon(asset_id: int) -> Annotation:
    return Annotation(asset_id, "polygon", "person",
                      {"points": [[100, 100], [200, 100], [200, 200], [100, 200]]})


def test_vertex_move(canvas: AnnotationCanvas, assets: Assets) -> None:
    (shape_id,) = _seed(canvas, assets, _polygon(assets.first))
    canvas.set_tool("select")
    click_image(canvas, 150, 150)

    drag_image(canvas, (200, 200), (240, 230))

    points = _stored_by_id(assets)[shape_id].data["points"]
    assert points[2] == pytest.approx([240, 230], abs=1)
    assert points[0] == [100, 100]


def test_vertex_added_by_double_click_on_edge(canvas: AnnotationCanvas,
                                              assets: Assets) -> None:
    (shape_id,) = _seed(canvas, assets, _polygon(assets.first))
    canvas.set_tool("select")

    double_click(canvas.viewport_widget(), canvas.image_to_widget(150, 100))

    points = _stored_by_id(assets)[shape_id].data["points"]
    assert len(points) == 5
    assert points[1] == pytest.approx([150, 100], abs=1)
    assert canvas.undo_stack().count() == 1


def test_vertex_added_by_alt_click(canvas: AnnotationCanvas, assets: Assets) -> None:
    (shape_id,) = _seed(canvas, assets, _polygon(assets.first))
    canvas.set_tool("select")
    click_image(canvas, 150, 150)

    click_image(canvas, 200, 150, Qt.KeyboardModifier.AltModifier)

    points = _stored_by_id(assets)[shape_id].data["points"]
    assert len(points) == 5
    assert points[2] == pytest.approx([200, 150], abs=1)


def test_vertex_deleted_by_shift_click(canvas: AnnotationCanvas, assets: Assets) -> None:
    (shape_id,) = _seed(canvas, assets, _polygon(assets.first))
    canvas.set_tool("select")
    click_image(canvas, 150, 150)

    click_image(canvas, 200, 200, Qt.KeyboardModifier.ShiftModifier)

    points = _stored_by_id(assets)[shape_id].data["points"]
    assert points == [[100, 100], [200, 100], [100, 200]]

    # A triangle is the smallest polygon: its vertices cannot be deleted.
    messages: list[str] = []
    canvas.status_message.connect(messages.append)
    click_image(canvas, 100, 200, Qt.KeyboardModifier.ShiftModifier)
    assert len(_stored_by_id(assets)[shape_id].data["points"]) == 3
    assert any("at least 3" in message for message in messages)


def test_relabel_selection_with_key(canvas: AnnotationCanvas, assets: Assets) -> None:
    first, second = _seed(canvas, assets, _box(10, 10, 50, 50, assets.first),
                          _box(100, 100, 50, 50, assets.first))
    canvas.set_tool("select")
    click_image(canvas, 30, 30)
    click_image(canvas, 120, 120, Qt.KeyboardModifier.ShiftModifier)
    assert len(canvas.selected_shapes()) == 2
    messages: list[str] = []
    canvas.status_message.connect(messages.append)

    _key(canvas, Qt.Key.Key_2)

    assert messages[-1] == "Relabelled 2 shapes as vehicle"
    stored = _stored_by_id(assets)
    assert stored[first].label == "vehicle"
    assert stored[second].label == "vehicle"
    assert canvas.undo_stack().count() == 1
    # The key also picks the label for new shapes, which the label tool bar shows.
    assert canvas.current_label() == "vehicle"

    canvas.undo_stack().undo()
    stored = _stored_by_id(assets)
    assert stored[first].label == "person"
    assert stored[second].label == "person"


def test_relabel_skips_shapes_the_label_forbids(canvas: AnnotationCanvas,
                                                assets: Assets) -> None:
    (polygon_id,) = _seed(canvas, assets, _polygon(assets.first))
    canvas.set_tool("select")
    click_image(canvas, 150, 150)
    messages: list[str] = []
    canvas.status_message.connect(messages.append)

    _key(canvas, Qt.Key.Key_2)  # vehicle allows no polygons

    assert _stored_by_id(assets)[polygon_id].label == "person"
    assert messages[-1] == ("Relabelled 0 shapes as vehicle; 1 skipped because vehicle "
                            "does not allow their kind")


def test_nudge_with_arrow_keys(canvas: AnnotationCanvas, assets: Assets) -> None:
    (box_id,) = _seed(canvas, assets, _box(100, 100, 80, 60, assets.first))
    canvas.set_tool("select")
    click_image(canvas, 140, 130)

    _key(canvas, Qt.Key.Key_Right)
    _key(canvas, Qt.Key.Key_Right)
    _key(canvas, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)

    data = _stored_by_id(assets)[box_id].data
    assert (data["x"], data["y"]) == (102, 110)
    # Successive nudges of the same shapes merge into one step.
    assert canvas.undo_stack().count() == 1
    canvas.undo_stack().undo()
    data = _stored_by_id(assets)[box_id].data
    assert (data["x"], data["y"]) == (100, 100)


def test_delete_and_undo_restore_same_id(canvas: AnnotationCanvas, assets: Assets) -> None:
    (box_id,) = _seed(canvas, assets, _box(100, 100, 80, 60, assets.first))
    canvas.set_tool("select")
    click_image(canvas, 140, 130)

    _key(canvas, Qt.Key.Key_Delete)
    assert assets.stored(assets.first) == []
    assert canvas.shape_items() == []

    _key(canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    stored = assets.stored(assets.first)
    assert [a.id for a in stored] == [box_id]
    assert [item.annotation_id for item in canvas.shape_items()] == [box_id]


def test_undo_redo_round_trip(canvas: AnnotationCanvas, assets: Assets,
                              qtbot: QtBot) -> None:
    canvas.zoom_actual()
    canvas.set_tool("bbox")
    drag_image(canvas, (10, 10), (60, 60))
    drag_image(canvas, (100, 100), (200, 150))
    canvas.set_tool("select")
    click_image(canvas, 150, 125)
    drag_image(canvas, (150, 125), (170, 145), steps=10)
    states = []
    for _ in range(3):
        states.append({a.id: dict(a.data) for a in assets.stored(assets.first)})
        with qtbot.waitSignal(canvas.annotations_changed):
            _key(canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert assets.stored(assets.first) == []
    assert canvas.shape_items() == []

    redo_keys = [(Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier
                  | Qt.KeyboardModifier.ShiftModifier),
                 (Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier),
                 (Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)]
    for expected, (key, modifiers) in zip(reversed(states), redo_keys):
        _key(canvas, key, modifiers)
        stored = {a.id: dict(a.data) for a in assets.stored(assets.first)}
        assert stored == expected
        shown = {item.annotation_id: item.data for item in canvas.shape_items()}
        assert shown == expected


def test_copy_on_one_asset_paste_on_another(canvas: AnnotationCanvas,
                                            assets: Assets) -> None:
    _seed(canvas, assets, _box(600, 400, 80, 60, assets.first),
          _box(10, 10, 30, 30, assets.first, "vehicle"))
    canvas.set_tool("select")
    canvas.select(canvas.shape_items())
    _key(canvas, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)

    smaller = assets.pixels[:300, :500].copy()
    canvas.show_image(assets.second, smaller, assets.stored(assets.second))
    _key(canvas, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)

    pasted = sorted(assets.stored(assets.second), key=lambda a: a.data["x"])
    assert [a.label for a in pasted] == ["vehicle", "person"]
    assert pasted[0].data["x"] == 10
    # The 80x60 box at 600,400 is moved inside the 500x300 image.
    assert pasted[1].data["x"] + pasted[1].data["w"] <= 500
    assert pasted[1].data["y"] + pasted[1].data["h"] <= 300
    assert pasted[1].data["w"] == 80
    assert {a.id for a in pasted}.isdisjoint(_stored_by_id(assets).keys())
    assert len(canvas.selected_shapes()) == 2
    assert canvas.undo_stack().count() == 1


def test_paste_on_same_asset_offsets_copies(canvas: AnnotationCanvas,
                                            assets: Assets) -> None:
    _seed(canvas, assets, _box(100, 100, 80, 60, assets.first))
    canvas.select(canvas.shape_items())
    assert canvas.copy_selection() == 1
    messages: list[str] = []
    canvas.status_message.connect(messages.append)

    assert canvas.paste() == 1

    xs = sorted(a.data["x"] for a in assets.stored(assets.first))
    assert xs == [100, 110]
    assert messages[-1] == "Pasted 1 shape"


def test_read_only_spell_keeps_clipboard_and_history(canvas: AnnotationCanvas,
                                                     assets: Assets) -> None:
    """A frozen asset shown read-only in between keeps copy, paste and undo working."""
    store = assets.store
    _seed(canvas, assets, _box(100, 100, 80, 60, assets.first))
    canvas.select(canvas.shape_items())
    canvas.copy_selection()
    canvas.delete_selection()
    assert canvas.undo_stack().count() == 1

    undo = next(a for a in canvas.actions() if a.objectName() == "canvas_undo")
    canvas.set_store(None, keep_history=True)
    assert not undo.isEnabled()
    assert canvas.paste() == 0
    canvas.set_store(store, keep_history=True)

    assert undo.isEnabled()
    assert canvas.undo_stack().count() == 1
    assert canvas.paste() == 1
    canvas.set_store(None)
    canvas.set_store(store)
    assert canvas.paste() == 0, "another store (project or session) drops the clipboard"


def test_history_is_kept_per_asset(canvas: AnnotationCanvas, assets: Assets) -> None:
    canvas.zoom_actual()
    canvas.set_tool("bbox")
    drag_image(canvas, (10, 10), (60, 60))
    first_stack = canvas.undo_stack()

    canvas.show_image(assets.second, assets.pixels, assets.stored(assets.second))
    assert canvas.undo_stack() is not first_stack
    assert canvas.undo_stack().count() == 0
    _reload(canvas, assets)

    assert canvas.undo_stack() is first_stack
    canvas.undo_stack().undo()
    assert assets.stored(assets.first) == []


def test_failing_store_reports_error_and_shows_no_shape(
        canvas: AnnotationCanvas, assets: Assets, qtbot: QtBot) -> None:
    canvas.zoom_actual()
    canvas.set_tool("bbox")
    assets.project.close()

    with qtbot.waitSignal(canvas.error_occurred) as signal:
        drag_image(canvas, (10, 10), (60, 60))

    assert "not saved" in signal.args[0]
    assert "open it again" in signal.args[0]
    assert canvas.shape_items() == []
    assert canvas.undo_stack().count() == 0


def test_failing_move_returns_shape_to_stored_place(
        canvas: AnnotationCanvas, assets: Assets, qtbot: QtBot) -> None:
    _seed(canvas, assets, _box(100, 100, 80, 60, assets.first))
    canvas.set_tool("select")
    assets.project.close()

    with qtbot.waitSignal(canvas.error_occurred):
        drag_image(canvas, (140, 130), (190, 160), steps=8)

    item = canvas.shape_items()[0]
    assert (item.data["x"], item.data["y"]) == (100, 100)
    assert canvas.undo_stack().count() == 0


def test_failing_undo_keeps_committed_state(canvas: AnnotationCanvas, assets: Assets,
                                            qtbot: QtBot) -> None:
    canvas.zoom_actual()
    canvas.set_tool("bbox")
    drag_image(canvas, (10, 10), (60, 60))
    assets.project.close()

    with qtbot.waitSignal(canvas.error_occurred):
        canvas.undo_stack().undo()

    assert len(canvas.shape_items()) == 1


def test_read_only_view_draws_nothing(canvas: AnnotationCanvas, assets: Assets) -> None:
    canvas.set_store(None)
    canvas.zoom_actual()
    canvas.set_tool("bbox")
    messages: list[str] = []
    canvas.status_message.connect(messages.append)

    drag_image(canvas, (10, 10), (60, 60))

    assert assets.stored(assets.first) == []
    assert canvas.shape_items() == []
    assert "This view is read-only" in messages


def test_rubber_band_selects_shapes_inside(canvas: AnnotationCanvas, assets: Assets,
                                          qtbot: QtBot) -> None:
    _seed(canvas, assets, _box(10, 10, 30, 30, assets.first),
          _box(100, 100, 30, 30, assets.first), _box(300, 300, 30, 30, assets.first))
    canvas.set_tool("select")

    with qtbot.waitSignal(canvas.selection_changed, check_params_cb=lambda n: n == 2):
        drag_image(canvas, (5, 5), (150, 150))

    assert sorted(item.data["x"] for item in canvas.selected_shapes()) == [10, 100]


def test_click_picks_smaller_nested_box(canvas: AnnotationCanvas, assets: Assets) -> None:
    _big, small = _seed(canvas, assets, _box(50, 50, 300, 300, assets.first),
                        _box(150, 150, 40, 40, assets.first))
    canvas.set_tool("select")

    click_image(canvas, 170, 170)

    assert [item.annotation_id for item in canvas.selected_shapes()] == [small]


def test_ctrl_click_toggles_selection(canvas: AnnotationCanvas, assets: Assets) -> None:
    _seed(canvas, assets, _box(10, 10, 30, 30, assets.first),
          _box(100, 100, 30, 30, assets.first))
    canvas.set_tool("select")
    click_image(canvas, 20, 20)
    click_image(canvas, 110, 110, Qt.KeyboardModifier.ControlModifier)
    assert len(canvas.selected_shapes()) == 2

    click_image(canvas, 20, 20, Qt.KeyboardModifier.ControlModifier)

    assert [item.data["x"] for item in canvas.selected_shapes()] == [100]


def test_shapes_at_image_edge_stay_inside(canvas: AnnotationCanvas, assets: Assets) -> None:
    (box_id,) = _seed(canvas, assets, _box(IMAGE_WIDTH - 30, IMAGE_HEIGHT - 30, 30, 30,
                                           assets.first))
    canvas.set_tool("select")
    click_image(canvas, IMAGE_WIDTH - 15, IMAGE_HEIGHT - 15)

    _key(canvas, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)

    data = _stored_by_id(assets)[box_id].data
    assert data["x"] == IMAGE_WIDTH - 30
    assert canvas.undo_stack().count() == 0
