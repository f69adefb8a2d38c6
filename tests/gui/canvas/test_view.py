"""Zoom, panning, hidden content, watermark, previews, errors and window/level."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from labeler.core.annotations import Annotation
from labeler.gui.canvas import AnnotationCanvas
from labeler.gui.canvas.items import ShapeItem
from tests.gui.canvas.helpers import (  # noqa: F401 - fixtures
    Assets,
    as_array,
    assets,
    canvas,
    click_image,
    colour_count,
    drag,
    drag_image,
    grab,
)

pytestmark = pytest.mark.gui


def _wheel(canvas: AnnotationCanvas, position: QPoint, delta: QPoint,
           modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    viewport = canvas.viewport_widget()
    event = QWheelEvent(QPointF(position), QPointF(viewport.mapToGlobal(position)),
                        QPoint(), delta, Qt.MouseButton.NoButton, modifiers,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(viewport, event)


def test_wheel_zooms_around_cursor(canvas: AnnotationCanvas) -> None:
    canvas.zoom_actual()
    before = canvas.image_to_widget(300, 200)

    _wheel(canvas, before, QPoint(0, 240))

    assert canvas.zoom() == pytest.approx(1.25 ** 2)
    after = canvas.image_to_widget(300, 200)
    assert abs(after.x() - before.x()) <= 1
    assert abs(after.y() - before.y()) <= 1


def test_shift_wheel_pans_instead_of_zooming(canvas: AnnotationCanvas) -> None:
    canvas.zoom_actual()
    canvas.zoom_by(3.0)
    before = canvas.image_to_widget(300, 200)

    _wheel(canvas, QPoint(100, 100), QPoint(0, -120), Qt.KeyboardModifier.ShiftModifier)

    assert canvas.zoom() == pytest.approx(3.0)
    after = canvas.image_to_widget(300, 200)
    assert after.x() == before.x() - 120
    assert after.y() == before.y()


def test_middle_drag_pans(canvas: AnnotationCanvas, assets: Assets) -> None:
    canvas.zoom_actual()
    canvas.zoom_by(3.0)
    before = canvas.image_to_widget(300, 200)

    drag(canvas.viewport_widget(), QPoint(300, 300), QPoint(250, 260),
         Qt.MouseButton.MiddleButton)

    after = canvas.image_to_widget(300, 200)
    assert (after.x() - before.x(), after.y() - before.y()) == (-50, -40)
    assert assets.stored(assets.first) == []


def test_space_drag_pans_without_drawing(canvas: AnnotationCanvas, assets: Assets) -> None:
    canvas.zoom_actual()
    canvas.zoom_by(3.0)
    canvas.set_tool("bbox")
    before = canvas.image_to_widget(300, 200)
    viewport = canvas.viewport_widget()

    QTest.keyPress(canvas.view(), Qt.Key.Key_Space)
    drag(viewport, QPoint(300, 300), QPoint(260, 300))
    QTest.keyRelease(canvas.view(), Qt.Key.Key_Space)

    after = canvas.image_to_widget(300, 200)
    assert after.x() - before.x() == -40
    assert assets.stored(assets.first) == []


def test_fit_and_actual_size_keys(canvas: AnnotationCanvas) -> None:
    canvas.zoom_actual()
    fit_zoom = canvas.view().fit_zoom()

    QTest.keyClick(canvas.viewport_widget(), Qt.Key.Key_F)
    assert canvas.zoom() == pytest.approx(fit_zoom)

    QTest.keyClick(canvas.viewport_widget(), Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert canvas.zoom() == pytest.approx(1.0)

    QTest.keyClick(canvas.viewport_widget(), Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert canvas.zoom() == pytest.approx(fit_zoom)

    QTest.keyClick(canvas.viewport_widget(), Qt.Key.Key_Plus)
    assert canvas.zoom() == pytest.approx(fit_zoom * 1.25)
    QTest.keyClick(canvas.viewport_widget(), Qt.Key.Key_Minus)
    assert canvas.zoom() == pytest.approx(fit_zoom)


def test_fit_is_kept_when_switching_assets(canvas: AnnotationCanvas, assets: Assets) -> None:
    large = np.zeros((1000, 1600, 3), np.uint8)

    canvas.show_image(assets.second, large, [])

    assert canvas.view().is_fit()
    assert canvas.zoom() == pytest.approx(canvas.view().fit_zoom())
    assert canvas.zoom() < 0.6


def test_manual_zoom_is_kept_when_switching_assets(canvas: AnnotationCanvas,
                                                   assets: Assets) -> None:
    canvas.zoom_actual()
    canvas.zoom_by(2.0)

    canvas.show_image(assets.second, assets.pixels, [])

    assert canvas.zoom() == pytest.approx(2.0)
    assert not canvas.view().is_fit()


def test_fit_follows_resize(canvas: AnnotationCanvas, qtbot: QtBot) -> None:
    canvas.fit()
    before = canvas.zoom()

    canvas.resize(canvas.width() // 2, canvas.height() // 2)

    qtbot.waitUntil(lambda: canvas.zoom() < before * 0.75)


def test_smoothing_only_below_actual_size(canvas: AnnotationCanvas) -> None:
    """Above 100% neighbouring image pixels stay sharp squares, never blended."""
    pixels = np.zeros((40, 40, 3), np.uint8)
    pixels[:, 20:] = 255  # black left half, white right half
    canvas.show_image(99, pixels, [])
    canvas.zoom_actual()
    canvas.zoom_by(8.0)

    frame = as_array(grab(canvas))
    left = canvas.image_to_widget(19.5, 20)
    row = frame[left.y(), left.x() - 40: left.x() + 40, 0]
    grey = (row > 10) & (row < 245)
    assert not grey.any(), row


def test_content_hidden_draws_no_pixels(canvas: AnnotationCanvas, assets: Assets) -> None:
    assets.store.save(Annotation(assets.first, "bbox", "person",
                                 {"x": 10, "y": 10, "w": 100, "h": 100}))
    canvas.clear()
    canvas.show_image(assets.first, assets.pixels, assets.stored(assets.first))
    shown = as_array(grab(canvas))
    assert colour_count(shown) > 10

    canvas.set_content_hidden(True)
    hidden = as_array(grab(canvas))

    assert colour_count(hidden) == 1
    # Nothing is drawn and then covered: every scene item is hidden.
    assert not any(item.isVisible() for item in canvas.view().scene().items())
    canvas.set_content_hidden(False)
    assert colour_count(as_array(grab(canvas))) > 10


def test_content_hidden_ignores_edits(canvas: AnnotationCanvas, assets: Assets) -> None:
    canvas.zoom_actual()
    canvas.set_tool("bbox")
    canvas.set_content_hidden(True)

    drag_image(canvas, (10, 10), (60, 60))
    QTest.keyClick(canvas.viewport_widget(), Qt.Key.Key_Delete)

    assert assets.stored(assets.first) == []


def test_watermark_is_drawn_but_not_in_scene(canvas: AnnotationCanvas) -> None:
    plain = as_array(grab(canvas))

    canvas.set_watermark("anna 2026-01-01 12:00 UTC")
    marked = as_array(grab(canvas))

    assert (plain != marked).any(axis=2).mean() > 0.01
    scene = canvas.view().scene()
    for item in scene.items():
        assert "anna" not in str(getattr(item, "text", lambda: "")())
    assert not any(type(item).__name__.lower().startswith("watermark") for item in scene.items())


def test_watermark_stays_over_hidden_content(canvas: AnnotationCanvas) -> None:
    canvas.set_watermark("anna")
    canvas.set_content_hidden(True)

    frame = as_array(grab(canvas))

    assert colour_count(frame) > 1


def test_preview_then_full_image_keeps_coordinates(canvas: AnnotationCanvas,
                                                   assets: Assets) -> None:
    full = np.zeros((2000, 3000, 3), np.uint8)
    full[::50] = 200
    preview = full[::4, ::4].copy()
    saved = assets.store.save(Annotation(assets.second, "bbox", "person",
                                         {"x": 2000, "y": 1000, "w": 400, "h": 300}))
    canvas.show_image(assets.second, preview, [saved], full_size=(3000, 2000))
    canvas.zoom_actual()
    canvas.zoom_by(0.25)
    assert canvas.view().sceneRect().width() == 3000

    # The box shows where the full image has it, over the quarter-size preview.
    corner = canvas.image_to_widget(2000, 1000)
    item = canvas.shape_items()[0]
    assert canvas.view().mapFromScene(QPointF(item.bounds()[0], item.bounds()[1])) == corner
    canvas.select([item])
    stack = canvas.undo_stack()
    canvas.set_tool("select")
    QTest.keyClick(canvas.viewport_widget(), Qt.Key.Key_Right)
    assert stack.count() == 1

    canvas.show_image(assets.second, full, [])

    assert canvas.zoom() == pytest.approx(0.25)
    assert canvas.undo_stack() is stack
    assert stack.count() == 1
    assert [i.annotation_id for i in canvas.selected_shapes()] == [saved.id]
    assert canvas.image_to_widget(2000, 1000) == corner

    canvas.set_tool("bbox")
    drag_image(canvas, (100, 100), (1100, 900))
    drawn = [a for a in assets.stored(assets.second) if a.id != saved.id][0]
    assert drawn.data["x"] == pytest.approx(100, abs=4)
    assert drawn.data["w"] == pytest.approx(1000, abs=8)


def test_error_replaces_image_and_keeps_annotations(canvas: AnnotationCanvas,
                                                    assets: Assets) -> None:
    saved = assets.store.save(Annotation(assets.first, "bbox", "person",
                                         {"x": 10, "y": 10, "w": 100, "h": 100}))

    canvas.show_error(assets.first, "This image cannot be decoded: the file is damaged.")

    assert canvas.current_asset_id() == assets.first
    assert canvas.shape_items() == []
    assert [a.id for a in assets.stored(assets.first)] == [saved.id]
    frame = as_array(grab(canvas))
    assert colour_count(frame) > 1  # the text is drawn
    canvas.set_tool("bbox")
    drag_image(canvas, (10, 10), (60, 60))
    assert len(assets.stored(assets.first)) == 1


def test_clear_empties_the_view(canvas: AnnotationCanvas, assets: Assets) -> None:
    canvas.clear()

    assert canvas.current_asset_id() is None
    frame = as_array(grab(canvas))
    assert colour_count(frame) == 1


def test_window_level_from_raw_values(canvas: AnnotationCanvas, assets: Assets,
                                      qtbot: QtBot) -> None:
    raw = np.tile(np.linspace(0, 4000, 256, dtype=np.uint16), (128, 1))
    canvas.show_image(assets.second, np.zeros((128, 256), np.uint8), [], raw=raw,
                      window=(2000.0, 4000.0))
    assert canvas.window() == (2000.0, 4000.0)

    def mean_at(x: float) -> float:
        frame = as_array(grab(canvas))
        point = canvas.image_to_widget(x, 64)
        return float(frame[point.y(), point.x()].mean())

    canvas.fit()
    drag(canvas.viewport_widget(), canvas.image_to_widget(128, 64),
         canvas.image_to_widget(128, 64) + QPoint(-300, 0), Qt.MouseButton.RightButton)
    qtbot.waitUntil(lambda: mean_at(200) == 255)

    centre, width = canvas.window()
    assert centre == pytest.approx(2000.0)
    assert width < 4000.0
    assert mean_at(20) == 0


def test_huge_image_shows_quickly(canvas: AnnotationCanvas, assets: Assets) -> None:
    pixels = np.zeros((4000, 6000, 3), np.uint8)
    pixels[:, :, 1] = 90

    started = time.perf_counter()
    canvas.show_image(assets.second, pixels, [])
    grab(canvas)
    canvas.zoom_by(4.0)
    grab(canvas)
    elapsed = time.perf_counter() - started

    # Generous bound for slow CI machines; wrapping avoids any full-image copy.
    assert elapsed < 3.0
    assert canvas.view().scene().items()  # the image item is there


def test_thousand_shapes_stay_interactive(canvas: AnnotationCanvas, assets: Assets) -> None:
    annotations = [
        Annotation(assets.first, "polygon", "person",
                   {"points": [[x, y], [x + 12, y], [x + 12, y + 9], [x, y + 9]]})
        for x in range(0, 600, 15) for y in range(0, 375, 15)
    ]
    assert len(annotations) == 1000
    canvas.clear()
    canvas.show_image(assets.first, assets.pixels, annotations)
    canvas.set_tool("select")
    canvas.zoom_actual()

    started = time.perf_counter()
    for _ in range(5):
        canvas.zoom_by(1.1)
        grab(canvas)
    canvas.zoom_actual()
    # Starting outside the image, away from every shape, the drag is a rubber band.
    drag_image(canvas, (-20, -20), (300, 300), steps=20)
    elapsed = time.perf_counter() - started

    assert len(canvas.selected_shapes()) == 20 * 20
    # About 30 ms a frame is the interactive budget; 5 zoom frames and 20 drag
    # moves must fit in twice that per event on a slow machine.
    assert elapsed < 25 * 0.06 * 2


def test_screenshot_with_real_photo(qtbot: QtBot, assets: Assets, corpus: Path,
                                    tmp_path: Path) -> None:
    photo = np.asarray(Image.open(corpus / "images/photos/skimage_astronaut.png")
                       .convert("RGB"))
    widget = AnnotationCanvas()
    qtbot.addWidget(widget)
    widget.resize(900, 700)
    widget.set_ontology(assets.project.ontology)
    widget.set_store(assets.store)
    shapes = [
        Annotation(assets.first, "bbox", "person", {"x": 130, "y": 20, "w": 230, "h": 300}),
        Annotation(assets.first, "polygon", "person",
                   {"points": [[360, 100], [440, 60], [480, 200], [400, 250]]}),
        Annotation(assets.first, "rotated_bbox", "vehicle",
                   {"cx": 120, "cy": 420, "w": 150, "h": 60, "angle": 25}),
        Annotation(assets.first, "polyline", "vehicle",
                   {"points": [[20, 300], [90, 340], [60, 400]]}),
        Annotation(assets.first, "points", "person",
                   {"points": [[200, 380], [240, 400], [280, 390]]}),
    ]
    stored = [assets.store.save(shape) for shape in shapes]
    widget.show()
    qtbot.waitExposed(widget)
    widget.show_image(assets.first, photo, stored)
    widget.select([widget.shape_items()[2]])
    widget.set_watermark("anna · workstation-7 · 2026-01-01 12:00 UTC")

    image = widget.grab().toImage()
    path = tmp_path / "canvas.png"
    assert image.save(str(path))
    frame = as_array(image)
    assert colour_count(frame) > 1000
    folder = os.environ.get("LABELER_SCREENSHOTS")
    if folder:
        assert image.save(str(Path(folder) / "canvas.png"))


def test_hide_shapes_key(canvas: AnnotationCanvas, assets: Assets) -> None:
    assets.store.save(Annotation(assets.first, "bbox", "person",
                                 {"x": 10, "y": 10, "w": 100, "h": 100}))
    canvas.clear()
    canvas.show_image(assets.first, assets.pixels, assets.stored(assets.first))
    canvas.set_tool("select")
    with_shapes = as_array(grab(canvas))

    QTest.keyClick(canvas.viewport_widget(), Qt.Key.Key_H)
    without = as_array(grab(canvas))
    click_image(canvas, 50, 50)

    assert (with_shapes != without).any()
    assert canvas.selected_shapes() == []
    assert isinstance(canvas.shape_items()[0], ShapeItem)
