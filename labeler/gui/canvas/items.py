"""Scene items: the image, one item per shape, label tags and the drawing preview.

The scene is in full-image pixel units. Sizes that must look the same at any
zoom (pen widths, handles, point markers, label tags) are given in screen
pixels and turned into scene units with the current zoom in `ViewMetrics`.
Pens are cosmetic, and label tags ignore the view transform.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPen,
    QPolygonF,
    QTransform,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QStyleOptionGraphicsItem,
    QWidget,
)

from labeler.core.annotations import Annotation
from labeler.gui.canvas import geometry
from labeler.gui.qt_image import ArrayImage

UNKNOWN_LABEL_COLOR: Final = "#9e9e9e"


class ViewMetrics:
    """Screen-pixel sizes of handles and markers, and the zoom that scales them."""

    handle_size: Final = 8.0
    hit_tolerance: Final = 7.0
    point_radius: Final = 4.0
    rotation_distance: Final = 28.0
    # Room around each shape for handles, markers and the rotation handle.
    padding: Final = 40.0

    def __init__(self) -> None:
        self.zoom = 1.0

    def to_scene(self, pixels: float) -> float:
        return pixels / self.zoom


class ImageItem(QGraphicsItem):
    """The asset's pixels, scaled so that one scene unit is one full-image pixel.

    The item draws straight from the wrapped array (no QPixmap copy), and only
    the exposed part. Smoothing is used only when the image is shown smaller
    than 100%; above that, pixels are drawn as sharp squares.
    """

    def __init__(self) -> None:
        super().__init__()
        self._image: ArrayImage | None = None
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)

    def set_image(self, image: ArrayImage | None, full_size: tuple[int, int]) -> None:
        self.prepareGeometryChange()
        self._image = image
        if image is not None:
            self.setTransform(QTransform.fromScale(
                full_size[0] / image.width, full_size[1] / image.height))
        self.update()

    def image(self) -> ArrayImage | None:
        return self._image

    def boundingRect(self) -> QRectF:
        if self._image is None:
            return QRectF()
        return QRectF(0, 0, self._image.width, self._image.height)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        if self._image is None:
            return
        scale = QStyleOptionGraphicsItem.levelOfDetailFromTransform(painter.worldTransform())
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, scale < 1.0)
        full = QRect(0, 0, self._image.width, self._image.height)
        exposed = option.exposedRect.toAlignedRect().intersected(full)  # type: ignore[attr-defined]
        if exposed.isEmpty():
            return
        painter.drawImage(QRectF(exposed), self._image.image, QRectF(exposed))


def readable_text_color(background: QColor) -> QColor:
    """Return black or white, whichever reads better on `background`."""
    luminance = 0.299 * background.red() + 0.587 * background.green() + 0.114 * background.blue()
    return QColor("#000000") if luminance > 150 else QColor("#ffffff")


class TagItem(QGraphicsItem):
    """The label name next to a shape, drawn at the same size at every zoom."""

    def __init__(self, parent: QGraphicsItem) -> None:
        super().__init__(parent)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        # Text is costly to lay out and does not change with zoom, so a
        # device-pixel cache pays off, unlike for the shapes themselves.
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self._text = ""
        self._color = QColor(UNKNOWN_LABEL_COLOR)
        self._font = QFont()
        self._font.setPointSizeF(9.0)
        self._rect = QRectF()

    def set_text(self, text: str, color: QColor) -> None:
        self.prepareGeometryChange()
        self._text = text
        self._color = color
        metrics = QFontMetricsF(self._font)
        width = metrics.horizontalAdvance(text) + 8
        height = metrics.height() + 2
        # Just above and right of the anchor, clear of the vertex handle there.
        self._rect = QRectF(3, -height - 5, width, height)
        self.update()

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        if not self._text:
            return
        painter.fillRect(self._rect, self._color)
        painter.setPen(readable_text_color(self._color))
        painter.setFont(self._font)
        painter.drawText(self._rect, Qt.AlignmentFlag.AlignCenter, self._text)


def _polygon(points: list[tuple[float, float]]) -> QPolygonF:
    return QPolygonF([QPointF(x, y) for x, y in points])


def draw_shape(painter: QPainter, kind: str, data: Mapping[str, Any], color: QColor,
               metrics: ViewMetrics, *, width: float = 2.0, fill_alpha: int = 40,
               dashed: bool = False) -> None:
    """Draw one shape's outline, fill and point markers in scene units."""
    pen = QPen(color, width)
    pen.setCosmetic(True)
    if dashed:
        pen.setStyle(Qt.PenStyle.DashLine)
    painter.setPen(pen)
    fill = QColor(color)
    fill.setAlpha(fill_alpha)
    points = geometry.outline(kind, data)

    if kind == "points":
        painter.setBrush(QBrush(color))
        radius = metrics.to_scene(metrics.point_radius)
        for x, y in points:
            painter.drawEllipse(QPointF(x, y), radius, radius)
        return
    if kind == "polyline":
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPolyline(_polygon(points))
        return
    painter.setBrush(QBrush(fill))
    painter.drawPolygon(_polygon(points))
    if kind == "rotated_bbox":
        # A thicker top edge shows which way the box is turned.
        pen.setWidthF(width + 2)
        painter.setPen(pen)
        painter.drawLine(QPointF(*points[0]), QPointF(*points[1]))


class ShapeItem(QGraphicsItem):
    """One annotation on the image.

    `annotation` is the state the store has committed; `data` is what is
    drawn, which differs from it only while a drag is in progress. Shapes are
    not cached: a cache would be rebuilt at every zoom step and, for a large
    polygon seen close up, would be as large as the viewport.
    """

    def __init__(self, annotation: Annotation, color: QColor, metrics: ViewMetrics,
                 parent: QGraphicsItem | None = None) -> None:
        super().__init__(parent)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self._metrics = metrics
        self._tag = TagItem(self)
        self.annotation = annotation
        self.color = color
        self.data: dict[str, Any] = dict(annotation.data)
        self._bounds = geometry.bounds(annotation.kind, self.data)
        self._refresh_tag()

    @property
    def kind(self) -> str:
        return self.annotation.kind

    @property
    def annotation_id(self) -> str:
        return self.annotation.id

    def set_annotation(self, annotation: Annotation, color: QColor) -> None:
        """Show a newly committed state."""
        self.annotation = annotation
        self.color = color
        self.set_data(annotation.data)

    def set_data(self, data: Mapping[str, Any]) -> None:
        """Show `data` without committing it (during a drag)."""
        self.prepareGeometryChange()
        self.data = dict(data)
        self._bounds = geometry.bounds(self.kind, self.data)
        self._refresh_tag()
        self.update()

    def revert(self) -> None:
        self.set_data(self.annotation.data)

    def bounds(self) -> geometry.Bounds:
        return self._bounds

    def zoom_changed(self) -> None:
        self.prepareGeometryChange()

    def _refresh_tag(self) -> None:
        text = self.annotation.label or ""
        if self.kind == "rotated_bbox":
            text = f"{text} {self.data['angle']:.0f}°"
        self._tag.set_text(text, self.color)
        anchor = geometry.outline(self.kind, self.data)[0]
        if self.kind == "bbox":
            anchor = (self._bounds[0], self._bounds[1])
        self._tag.setPos(QPointF(*anchor))

    def handles(self) -> dict[str, tuple[float, float]]:
        """Return this shape's handles by name: box sides, "rotate", or "v<index>"."""
        if self.kind in ("bbox", "rotated_bbox"):
            handles = geometry.box_handles(self.kind, self.data)
            if self.kind == "rotated_bbox":
                distance = self._metrics.to_scene(self._metrics.rotation_distance)
                handles["rotate"] = geometry.rotation_handle(self.data, distance)
            return handles
        return {f"v{index}": (float(p[0]), float(p[1]))
                for index, p in enumerate(self.data["points"])}

    def boundingRect(self) -> QRectF:
        x0, y0, x1, y1 = self._bounds
        pad = self._metrics.to_scene(self._metrics.padding)
        return QRectF(x0 - pad, y0 - pad, x1 - x0 + 2 * pad, y1 - y0 + 2 * pad)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        selected = self.isSelected()
        draw_shape(painter, self.kind, self.data, self.color, self._metrics,
                   width=3.0 if selected else 2.0, fill_alpha=70 if selected else 40)
        if selected:
            self._paint_handles(painter)

    def _paint_handles(self, painter: QPainter) -> None:
        pen = QPen(self.color.darker(150), 1.0)
        pen.setCosmetic(True)
        painter.setPen(pen)
        painter.setBrush(QBrush(QColor("#ffffff")))
        side = self._metrics.to_scene(self._metrics.handle_size)
        handles = self.handles()
        if "rotate" in handles:
            top = geometry.box_handles(self.kind, self.data)["n"]
            painter.drawLine(QPointF(*top), QPointF(*handles["rotate"]))
        for name, (x, y) in handles.items():
            if name == "rotate":
                painter.drawEllipse(QPointF(x, y), side * 0.6, side * 0.6)
            else:
                painter.drawRect(QRectF(x - side / 2, y - side / 2, side, side))

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: Any) -> Any:
        if change == QGraphicsItem.GraphicsItemChange.ItemSelectedHasChanged:
            self.update()
        return super().itemChange(change, value)


class LayerItem(QGraphicsItem):
    """An invisible parent that shows or hides all its children at once."""

    def __init__(self) -> None:
        super().__init__()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents)

    def boundingRect(self) -> QRectF:
        return QRectF()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        pass


class PreviewItem(QGraphicsItem):
    """The shape in progress or the rubber band, drawn over the image."""

    def __init__(self, metrics: ViewMetrics) -> None:
        super().__init__()
        self._metrics = metrics
        self._kind: str | None = None
        self._data: dict[str, Any] = {}
        self._color = QColor(UNKNOWN_LABEL_COLOR)
        self._band: QRectF | None = None
        self._area = QRectF()
        self.setZValue(10)

    def set_area(self, area: QRectF) -> None:
        """Set the region the preview may draw in: the image plus a margin."""
        self.prepareGeometryChange()
        self._area = area

    def show_shape(self, kind: str, data: Mapping[str, Any], color: QColor) -> None:
        self._kind, self._data, self._color = kind, dict(data), color
        self._band = None
        self.update()

    def show_band(self, rect: QRectF) -> None:
        self._kind, self._band = None, rect.normalized()
        self.update()

    def clear(self) -> None:
        self._kind, self._band = None, None
        self.update()

    def is_empty(self) -> bool:
        return self._kind is None and self._band is None

    def boundingRect(self) -> QRectF:
        return self._area

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        if self._band is not None:
            pen = QPen(QColor("#ffffff"), 1.0, Qt.PenStyle.DashLine)
            pen.setCosmetic(True)
            painter.setPen(pen)
            painter.setBrush(QColor(255, 255, 255, 40))
            painter.drawRect(self._band)
            return
        if self._kind is None:
            return
        points = self._data.get("points")
        if self._kind in ("polygon", "polyline") and points is not None and len(points) < 2:
            kind = "points"  # one vertex so far: show it as a dot
        else:
            kind = self._kind
        draw_shape(painter, kind, self._data, self._color, self._metrics,
                   fill_alpha=25, dashed=True)
        if points and self._kind != "points":
            painter.setBrush(QBrush(self._color))
            radius = self._metrics.to_scene(3.0)
            for x, y in points:
                painter.drawEllipse(QPointF(x, y), radius, radius)
