"""Finding what is under the cursor: shapes, handles and shapes inside a rubber band."""

from __future__ import annotations

import math
from collections.abc import Iterable

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QTransform
from PySide6.QtWidgets import QGraphicsScene

from labeler.gui.canvas import geometry
from labeler.gui.canvas.items import ShapeItem


def screen_distance(to_viewport: QTransform, position: QPointF,
                    point: tuple[float, float]) -> float:
    """Return the distance in viewport pixels from `position` to scene `point`."""
    mapped = to_viewport.map(QPointF(*point))
    return math.dist((position.x(), position.y()), (mapped.x(), mapped.y()))


def shape_at(scene: QGraphicsScene, point: QPointF, tolerance: float) -> ShapeItem | None:
    """Return the visible shape under a scene point, `tolerance` in scene units.

    Outlines (lines, points, edges) win over interiors, and among interiors
    the smallest shape wins, so that a box drawn inside a box can be picked.
    """
    area = QRectF(point.x() - tolerance, point.y() - tolerance, 2 * tolerance, 2 * tolerance)
    best: tuple[tuple[float, float], ShapeItem] | None = None
    for candidate in scene.items(area):
        if not isinstance(candidate, ShapeItem) or not candidate.isVisible():
            continue
        distance = geometry.hit_distance(candidate.kind, candidate.data,
                                         (point.x(), point.y()))
        if distance > tolerance:
            continue
        is_outline = distance > 0 or candidate.kind in ("polyline", "points")
        rank = (0.0 if is_outline else 1.0, geometry.area(candidate.kind, candidate.data))
        if best is None or rank < best[0]:
            best = (rank, candidate)
    return best[1] if best else None


def handle_at(items: Iterable[ShapeItem], position: QPointF, to_viewport: QTransform,
              tolerance: float) -> tuple[ShapeItem, str] | None:
    """Return the nearest handle of `items` within `tolerance` viewport pixels."""
    best: tuple[float, ShapeItem, str] | None = None
    for item in items:
        for name, point in item.handles().items():
            distance = screen_distance(to_viewport, position, point)
            if distance <= tolerance and (best is None or distance < best[0]):
                best = (distance, item, name)
    return (best[1], best[2]) if best else None


def shapes_inside(scene: QGraphicsScene, rect: QRectF) -> list[ShapeItem]:
    """Return the visible shapes whose bounds lie wholly inside a scene rectangle."""
    found = []
    for item in scene.items(rect):
        if isinstance(item, ShapeItem) and item.isVisible():
            x0, y0, x1, y1 = item.bounds()
            if rect.contains(QRectF(x0, y0, x1 - x0, y1 - y0)):
                found.append(item)
    return found
