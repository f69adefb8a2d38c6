"""The graphics view: zoom, pan, watermark, the hidden state and the error text.

Mouse presses that are not zoom or pan gestures go to an `InputHandler` (the
canvas), which hands them to the active tool.
"""

from __future__ import annotations

import math
from typing import Final, Protocol

from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QResizeEvent,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import QFrame, QGraphicsScene, QGraphicsView, QWidget

MINIMUM_ZOOM: Final = 0.01
MAXIMUM_ZOOM: Final = 64.0
# One wheel notch (120 units) zooms by this factor.
WHEEL_STEP: Final = 1.25
BACKGROUND: Final = QColor("#2b2b2b")


class InputHandler(Protocol):
    def mouse_pressed(self, event: QMouseEvent) -> None: ...
    def mouse_moved(self, event: QMouseEvent) -> None: ...
    def mouse_released(self, event: QMouseEvent) -> None: ...
    def mouse_double_clicked(self, event: QMouseEvent) -> None: ...


class CanvasView(QGraphicsView):
    """Shows the scene; owns zoom, panning and what is drawn over the viewport."""

    zoom_changed = Signal(float)

    def __init__(self, scene: QGraphicsScene, handler: InputHandler,
                 parent: QWidget | None = None) -> None:
        super().__init__(scene, parent)
        self._handler = handler
        self._is_fit = True
        self._pan_start: QPoint | None = None
        self._is_space_held = False
        self._watermark: str | None = None
        self._is_content_hidden = False
        self._message: str | None = None

        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setBackgroundBrush(BACKGROUND)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        # The watermark is fixed to the viewport, so scrolling must repaint
        # everything; a partial update would shift the watermark with the image.
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.setDragMode(QGraphicsView.DragMode.NoDrag)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.viewport().setMouseTracking(True)

    # -- zoom ---------------------------------------------------------------

    def zoom(self) -> float:
        return self.transform().m11()

    def is_fit(self) -> bool:
        return self._is_fit

    def fit_zoom(self) -> float:
        rect = self.sceneRect()
        if rect.isEmpty():
            return 1.0
        viewport = self.viewport().rect()
        return max(min(viewport.width() / rect.width(), viewport.height() / rect.height()),
                   1e-4)

    def fit(self) -> None:
        """Show the whole image, and keep it fitted when the view is resized."""
        self._is_fit = True
        self._set_zoom(self.fit_zoom())
        self.centerOn(self.sceneRect().center())

    def set_zoom(self, zoom: float, anchor: QPointF | None = None) -> None:
        """Zoom to `zoom` keeping the scene point under viewport position `anchor` in place."""
        self._is_fit = False
        lowest = min(MINIMUM_ZOOM, self.fit_zoom())
        zoom = min(max(zoom, lowest), MAXIMUM_ZOOM)
        if anchor is None:
            anchor = QPointF(self.viewport().rect().center())
        scene_point = self._exact_scene_point(anchor)
        self._set_zoom(zoom)
        # Scroll so that the same scene point is under the anchor again.
        now = self.mapFromScene(scene_point)
        shift = now - anchor.toPoint()
        self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() + shift.x())
        self.verticalScrollBar().setValue(self.verticalScrollBar().value() + shift.y())

    def _exact_scene_point(self, position: QPointF) -> QPointF:
        inverse, _ok = self.viewportTransform().inverted()
        return inverse.map(position)

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        self.set_zoom(self.zoom() * factor, anchor)

    def _set_zoom(self, zoom: float) -> None:
        if math.isclose(zoom, self.zoom(), rel_tol=1e-9):
            return
        self.setTransform(QTransform.fromScale(zoom, zoom))
        self.zoom_changed.emit(zoom)

    def keep_zoom_for_new_image(self) -> None:
        """Apply the zoom rule after a different image is shown: fit, or keep the zoom."""
        if self._is_fit:
            self.fit()
        else:
            self.centerOn(self.sceneRect().center())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._is_fit:
            self.fit()

    # -- wheel and panning ----------------------------------------------------

    def wheelEvent(self, event: QWheelEvent) -> None:
        if self._is_content_hidden:
            event.accept()
            return
        delta = event.angleDelta()
        is_pan = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier) or (
            delta.x() != 0 and delta.y() == 0)
        if is_pan:
            # Shift+wheel scrolls sideways; a horizontal wheel or trackpad pans.
            steps = delta.y() if delta.x() == 0 else delta.x()
            bar = self.horizontalScrollBar()
            bar.setValue(bar.value() - int(steps))
            if delta.x() != 0 and delta.y() != 0:
                self.verticalScrollBar().setValue(
                    self.verticalScrollBar().value() - delta.y())
            event.accept()
            return
        if delta.y() == 0:
            return
        self.zoom_by(WHEEL_STEP ** (delta.y() / 120.0), event.position())
        event.accept()

    def _is_pan_press(self, event: QMouseEvent) -> bool:
        return event.button() == Qt.MouseButton.MiddleButton or (
            event.button() == Qt.MouseButton.LeftButton and self._is_space_held)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self._is_content_hidden:
            event.accept()
            return
        if self._is_pan_press(event):
            self._pan_start = event.position().toPoint()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        self._handler.mouse_pressed(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._is_content_hidden:
            return
        if self._pan_start is not None:
            position = event.position().toPoint()
            shift = position - self._pan_start
            self._pan_start = position
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - shift.x())
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - shift.y())
            return
        self._handler.mouse_moved(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._pan_start is not None and event.button() in (
                Qt.MouseButton.MiddleButton, Qt.MouseButton.LeftButton):
            self._pan_start = None
            self.viewport().unsetCursor()
            return
        if self._is_content_hidden:
            return
        self._handler.mouse_released(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if self._is_content_hidden or self._is_pan_press(event):
            return
        self._handler.mouse_double_clicked(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space:
            if not event.isAutoRepeat():
                self._is_space_held = True
                self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._is_space_held = False
            if self._pan_start is None:
                self.viewport().unsetCursor()
            event.accept()
            return
        super().keyReleaseEvent(event)

    def focusOutEvent(self, event: object) -> None:  # type: ignore[override]
        # A Space released while another window had focus never arrives here.
        self._is_space_held = False
        super().focusOutEvent(event)  # type: ignore[arg-type]

    # -- drawing over the viewport ---------------------------------------------

    def set_watermark(self, text: str | None) -> None:
        self._watermark = text or None
        self.viewport().update()

    def set_content_hidden(self, hidden: bool) -> None:
        self._is_content_hidden = hidden
        self._pan_start = None
        self.viewport().update()

    def is_content_hidden(self) -> bool:
        return self._is_content_hidden

    def set_message(self, text: str | None) -> None:
        """Show a plain message in the middle of the viewport (an error), or none."""
        self._message = text
        self.viewport().update()

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        painter.fillRect(rect, BACKGROUND)

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        painter.save()
        painter.resetTransform()  # draw in viewport pixels, not scene units
        area = self.viewport().rect()
        if self._is_content_hidden:
            # The content items are hidden already; this also covers anything
            # a stale repaint could leave behind.
            painter.fillRect(area, BACKGROUND)
        elif self._message:
            painter.setPen(QColor("#f0f0f0"))
            margin = area.adjusted(24, 24, -24, -24)
            painter.drawText(margin, int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap),
                             self._message)
        if self._watermark:
            self._draw_watermark(painter, area.width(), area.height())
        painter.restore()

    def _draw_watermark(self, painter: QPainter, width: int, height: int) -> None:
        """Repeat the watermark along diagonals across the whole viewport."""
        font = QFont()
        font.setPointSizeF(14.0)
        painter.setFont(font)
        painter.setPen(QColor(255, 255, 255, 70))
        metrics = painter.fontMetrics()
        step_x = metrics.horizontalAdvance(self._watermark or "") + 80
        step_y = metrics.height() * 5
        diagonal = int(math.hypot(width, height))
        painter.translate(width / 2, height / 2)
        painter.rotate(-30)
        for y in range(-diagonal, diagonal, step_y):
            offset = (y // step_y % 2) * step_x // 2
            for x in range(-diagonal - offset, diagonal, step_x):
                painter.drawText(x, y, self._watermark or "")
        # Dark copies offset by one pixel keep the text visible on light images.
        painter.setPen(QColor(0, 0, 0, 50))
        for y in range(-diagonal, diagonal, step_y):
            offset = (y // step_y % 2) * step_x // 2
            for x in range(-diagonal - offset, diagonal, step_x):
                painter.drawText(x + 1, y + 1, self._watermark or "")
