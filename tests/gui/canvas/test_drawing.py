"""Drawing shapes with the mouse stores the expected image coordinates."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

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
    move,
)

pytestmark = pytest.mark.gui


def _only(assets: Assets, asset_id: int | None = None) -> dict:
    stored = assets.stored(asset_id or assets.first)
    assert len(stored) == 1, stored
    return dict(stored[0].data)


def _assert_points(actual: list, expected: list) -> None:
    assert len(actual) == len(expected), actual
    for (x, y), (expected_x, expected_y) in zip(actual, expected):
        assert x == pytest.approx(expected_x, abs=1.0)
        assert y == pytest.approx(expected_y, abs=1.0)


def _assert_box(data: dict, x: float, y: float, w: float, h: float) -> None:
    assert data["x"] == pytest.approx(x, abs=1.0)
    assert data["y"] == pytest.approx(y, abs=1.0)
    assert data["w"] == pytest.approx(w, abs=1.0)
    assert data["h"] == pytest.approx(h, abs=1.0)


@pytest.mark.parametrize("zoom", ["actual", "fit", "zoomed_in"])
def test_bbox_drag_stores_image_coordinates(canvas: AnnotationCanvas, assets: Assets,
                                            zoom: str) -> None:
    if zoom == "actual":
        canvas.zoom_actual()
        assert canvas.zoom() == pytest.approx(1.0)
    elif zoom == "fit":
        canvas.fit()
        assert canvas.zoom() != pytest.approx(1.0)
    else:
        canvas.zoom_actual()
        canvas.zoom_by(3.0)
        assert canvas.zoom() == pytest.approx(3.0)
    # At 3x only part of the image is on screen; draw inside what is shown.
    start, end = ((200.0, 150.0), (320.0, 230.0)) if zoom == "zoomed_in" else (
        (10.0, 20.0), (130.0, 100.0))
    canvas.set_tool("bbox")

    drag_image(canvas, start, end)

    data = _only(assets)
    _assert_box(data, start[0], start[1], end[0] - start[0], end[1] - start[1])
    assert assets.stored(assets.first)[0].label == "person"


def test_bbox_reports_size_in_status(canvas: AnnotationCanvas, qtbot: QtBot) -> None:
    canvas.zoom_actual()
    canvas.set_tool("bbox")
    messages: list[str] = []
    canvas.status_message.connect(messages.append)

    drag_image(canvas, (10, 20), (130, 100))

    assert "Box 120x80 at 10,20" in messages


def test_bbox_is_clamped_to_image(canvas: AnnotationCanvas, assets: Assets) -> None:
    canvas.fit()
    canvas.set_tool("bbox")

    drag_image(canvas, (IMAGE_WIDTH - 50, IMAGE_HEIGHT - 40),
               (IMAGE_WIDTH + 30, IMAGE_HEIGHT + 30))

    data = _only(assets)
    assert data["x"] + data["w"] <= IMAGE_WIDTH
    assert data["y"] + data["h"] <= IMAGE_HEIGHT
    _assert_box(data, IMAGE_WIDTH - 50, IMAGE_HEIGHT - 40, 50, 40)


def test_tiny_bbox_is_not_created(canvas: AnnotationCanvas, assets: Assets) -> None:
    canvas.zoom_actual()
    canvas.set_tool("bbox")

    drag_image(canvas, (50, 50), (51, 80))
    click_image(canvas, 100, 100)

    assert assets.stored(assets.first) == []
    assert canvas.undo_stack().count() == 0


def test_polygon_by_clicks_and_enter(canvas: AnnotationCanvas, assets: Assets) -> None:
    canvas.zoom_actual()
    canvas.set_tool("polygon")
    vertices = [(100, 100), (200, 110), (180, 220), (90, 200)]

    for x, y in vertices:
        click_image(canvas, x, y)
    assert assets.stored(assets.first) == []
    QTest.keyClick(canvas.viewport_widget(), Qt.Key.Key_Return)

    _assert_points(_only(assets)["points"], vertices)


def test_polygon_closes_on_first_vertex(canvas: AnnotationCanvas, assets: Assets) -> None:
    canvas.zoom_actual()
    canvas.set_tool("polygon")
    vertices = [(100, 100), (200, 110), (180, 220)]

    for x, y in vertices:
        click_image(canvas, x, y)
    click_image(canvas, 101, 101)

    _assert_points(_only(assets)["points"], vertices)


def test_polygon_backspace_and_escape(canvas: AnnotationCanvas, assets: Assets) -> None:
    canvas.zoom_actual()
    canvas.set_tool("polygon")
    for x, y in [(100, 100), (200, 110), (180, 220), (300, 300)]:
        click_image(canvas, x, y)

    QTest.keyClick(canvas.viewport_widget(), Qt.Key.Key_Backspace)
    QTest.keyClick(canvas.viewport_widget(), Qt.Key.Key_Return)
    assert len(_only(assets)["points"]) == 3

    for x, y in [(300, 300), (350, 300), (350, 350)]:
        click_image(canvas, x, y)
    QTest.keyClick(canvas.viewport_widget(), Qt.Key.Key_Escape)
    QTest.keyClick(canvas.viewport_widget(), Qt.Key.Key_Return)
    assert len(assets.stored(assets.first)) == 1


def test_polygon_with_two_points_is_not_stored(canvas: AnnotationCanvas,
                                               assets: Assets) -> None:
    canvas.zoom_actual()
    canvas.set_tool("polygon")
    messages: list[str] = []
    canvas.status_message.connect(messages.append)

    click_image(canvas, 100, 100)
    click_image(canvas, 200, 100)
    QTest.keyClick(canvas.viewport_widget(), Qt.Key.Key_Return)

    assert assets.stored(assets.first) == []
    assert "A polygon needs at least 3 points; 2 placed" in messages


def test_polyline_finishes_on_double_click(canvas: AnnotationCanvas, assets: Assets) -> None:
    canvas.zoom_actual()
    canvas.set_current_label("vehicle")
    canvas.set_tool("polyline")

    click_image(canvas, 50, 60)
    click_image(canvas, 150, 80)
    double_click(canvas.viewport_widget(), canvas.image_to_widget(250, 60))

    stored = assets.stored(assets.first)
    assert len(stored) == 1
    assert stored[0].kind == "polyline"
    assert stored[0].label == "vehicle"
    _assert_points(stored[0].data["points"], [(50, 60), (150, 80), (250, 60)])


def test_points_collect_until_enter(canvas: AnnotationCanvas, assets: Assets) -> None:
    canvas.zoom_actual()
    canvas.set_tool("points")

    for x, y in [(10, 10), (20, 30), (40, 50)]:
        click_image(canvas, x, y)
    assert assets.stored(assets.first) == []
    QTest.keyClick(canvas.viewport_widget(), Qt.Key.Key_Enter)

    stored = assets.stored(assets.first)
    assert len(stored) == 1
    assert stored[0].kind == "points"
    _assert_points(stored[0].data["points"], [(10, 10), (20, 30), (40, 50)])


def test_rotated_box_drawn_then_rotated(canvas: AnnotationCanvas, assets: Assets) -> None:
    canvas.zoom_actual()
    canvas.set_current_label("vehicle")
    canvas.set_tool("rotated_bbox")
    messages: list[str] = []
    canvas.status_message.connect(messages.append)

    drag_image(canvas, (200, 150), (300, 210))
    data = _only(assets)
    assert data["cx"] == pytest.approx(250, abs=1)
    assert data["cy"] == pytest.approx(180, abs=1)
    assert data["w"] == pytest.approx(100, abs=1)
    assert data["h"] == pytest.approx(60, abs=1)
    assert data["angle"] == 0

    # The new box is selected; its rotation handle sits above the top edge.
    item = canvas.shape_items()[0]
    handle = item.handles()["rotate"]
    drag_image(canvas, handle, (250 + 100, 180))  # straight to the right: 90 degrees

    rotated = _only(assets)
    assert rotated["angle"] == pytest.approx(90, abs=1)
    assert rotated["cx"] == pytest.approx(250, abs=1)
    assert any("90°" in message for message in messages)
    assert canvas.undo_stack().count() == 2


def test_label_must_allow_the_shape(canvas: AnnotationCanvas, assets: Assets) -> None:
    canvas.zoom_actual()
    canvas.set_current_label("person")
    canvas.set_tool("rotated_bbox")
    messages: list[str] = []
    canvas.status_message.connect(messages.append)

    drag_image(canvas, (200, 150), (300, 210))

    assert assets.stored(assets.first) == []
    assert "Label person does not allow rotated box shapes; pick another label" in messages


def test_label_key_sets_label_for_next_shape(canvas: AnnotationCanvas,
                                             assets: Assets) -> None:
    canvas.zoom_actual()
    canvas.set_tool("bbox")

    QTest.keyClick(canvas.viewport_widget(), Qt.Key.Key_2)
    drag_image(canvas, (10, 10), (60, 60))

    assert canvas.current_label() == "vehicle"
    assert assets.stored(assets.first)[0].label == "vehicle"


def test_preview_follows_cursor_without_storing(canvas: AnnotationCanvas,
                                                assets: Assets) -> None:
    canvas.zoom_actual()
    canvas.set_tool("polygon")
    click_image(canvas, 100, 100)

    move(canvas.viewport_widget(), canvas.image_to_widget(200, 200))

    assert not canvas.preview.is_empty()
    assert assets.stored(assets.first) == []
