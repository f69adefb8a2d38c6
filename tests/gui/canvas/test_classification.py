"""Image-level classification through the canvas's form: one annotation per asset."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QComboBox

from labeler.gui.canvas import AnnotationCanvas
from tests.gui.canvas.helpers import Assets, assets, canvas  # noqa: F401 - fixtures

pytestmark = pytest.mark.gui


def _choose(canvas: AnnotationCanvas, value: str) -> None:
    box = canvas.classification_panel().input_for("quality")
    assert isinstance(box, QComboBox)
    box.setCurrentIndex(box.findData(value))
    QTest.mouseClick(canvas.classification_panel().apply_button(), Qt.MouseButton.LeftButton)


def test_classification_is_one_annotation_per_asset(canvas: AnnotationCanvas,
                                                    assets: Assets) -> None:
    canvas.set_tool("classification")
    assert canvas.classification_panel().isVisible()

    _choose(canvas, "good")
    _choose(canvas, "bad")

    stored = assets.stored(assets.first)
    assert len(stored) == 1
    assert stored[0].kind == "classification"
    assert stored[0].label is None
    assert stored[0].data == {"values": {"quality": "bad"}}
    assert canvas.undo_stack().count() == 2

    canvas.undo_stack().undo()
    assert assets.stored(assets.first)[0].data == {"values": {"quality": "good"}}
    box = canvas.classification_panel().input_for("quality")
    assert isinstance(box, QComboBox)
    assert box.currentData() == "good"

    canvas.undo_stack().undo()
    assert assets.stored(assets.first) == []


def test_classification_form_shows_stored_values(canvas: AnnotationCanvas,
                                                 assets: Assets) -> None:
    canvas.set_tool("classification")
    _choose(canvas, "bad")
    canvas.show_image(assets.second, assets.pixels, assets.stored(assets.second))
    box = canvas.classification_panel().input_for("quality")
    assert isinstance(box, QComboBox)
    assert box.currentData() is None

    canvas.show_image(assets.first, assets.pixels, assets.stored(assets.first))

    assert box.currentData() == "bad"


def test_classification_hidden_with_content(canvas: AnnotationCanvas) -> None:
    canvas.set_tool("classification")

    canvas.set_content_hidden(True)

    assert not canvas.classification_panel().isVisible()
