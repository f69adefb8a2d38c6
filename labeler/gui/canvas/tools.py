"""Mouse tools: select and edit, boxes, rotated boxes, polygons, polylines, points.

A tool turns mouse events into previews and, once a gesture ends, into one
call to the host's `commit` or `create`. Drags change only what the items
show, and the store receives the result once, at mouse release.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Protocol

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QMouseEvent
from PySide6.QtWidgets import QApplication

from labeler.core.model.ontology import Label
from labeler.gui.canvas import geometry
from labeler.gui.canvas.commands import Change
from labeler.gui.canvas.items import PreviewItem, ShapeItem, ViewMetrics

SHAPE_NAMES = {
    "bbox": "box", "rotated_bbox": "rotated box", "polygon": "polygon",
    "polyline": "polyline", "points": "points",
}


class ToolHost(Protocol):
    """Canvas services the tools use: picking, selection, labels and commits."""

    preview: PreviewItem
    metrics: ViewMetrics

    def image_size(self) -> tuple[float, float]: ...
    def can_edit(self) -> bool: ...
    def shape_at(self, point: QPointF) -> ShapeItem | None: ...
    def handle_at(self, position: QPointF) -> tuple[ShapeItem, str] | None: ...
    def selected_shapes(self) -> list[ShapeItem]: ...
    def shapes_inside(self, rect: QRectF) -> list[ShapeItem]: ...
    def select(self, items: Sequence[ShapeItem], *, add: bool = False) -> None: ...
    def label_for(self, kind: str) -> Label | None: ...
    def color_for(self, label: str | None) -> QColor: ...
    def commit(self, text: str, changes: list[Change]) -> bool: ...
    def create(self, kind: str, label: str, data: dict, *, select: bool = False) -> bool: ...
    def insert_vertex(self, item: ShapeItem, point: QPointF) -> bool: ...
    def delete_vertex(self, item: ShapeItem, index: int) -> bool: ...
    def widget_distance(self, a: QPointF, b: tuple[float, float]) -> float: ...
    def status(self, text: str) -> None: ...


def _point(point: QPointF) -> tuple[float, float]:
    return point.x(), point.y()


def describe_box(data: dict) -> str:
    return (f"{data['w']:.0f}x{data['h']:.0f} at {data['x']:.0f},{data['y']:.0f}")


class Session(Protocol):
    def move(self, point: QPointF, position: QPointF) -> None: ...
    def release(self, point: QPointF) -> None: ...
    def cancel(self) -> None: ...


class MoveSession:
    """Drag the selected shapes; commits one move at release."""

    def __init__(self, host: ToolHost, items: list[ShapeItem], start: QPointF,
                 position: QPointF) -> None:
        self._host = host
        self._items = items
        self._start = start
        self._press_position = position
        self._originals = [dict(item.data) for item in items]
        self._bounds = geometry.union_bounds([item.bounds() for item in items])
        self._is_dragging = False

    def move(self, point: QPointF, position: QPointF) -> None:
        if not self._is_dragging:
            travelled = (position - self._press_position).manhattanLength()
            if travelled < QApplication.startDragDistance():
                return
            self._is_dragging = True
        dx, dy = geometry.clamp_translation(
            self._bounds, point.x() - self._start.x(), point.y() - self._start.y(),
            self._host.image_size())
        for item, original in zip(self._items, self._originals):
            item.set_data(geometry.translate(item.kind, original, dx, dy))
        self._host.status(f"Move by {dx:+.0f}, {dy:+.0f}")

    def release(self, point: QPointF) -> None:
        changed = [item for item in self._items if item.data != dict(item.annotation.data)]
        if not changed:
            return
        changes = [Change(item.annotation_id, item.annotation,
                          item.annotation.with_data(item.data)) for item in changed]
        count = len(changes)
        self._host.commit("Move shape" if count == 1 else f"Move {count} shapes", changes)

    def cancel(self) -> None:
        for item in self._items:
            item.revert()


class HandleSession:
    """Drag one handle: resize a box, rotate a rotated box or move a vertex."""

    def __init__(self, host: ToolHost, item: ShapeItem, handle: str) -> None:
        self._host = host
        self._item = item
        self._handle = handle

    def move(self, point: QPointF, position: QPointF) -> None:
        size = self._host.image_size()
        item, data = self._item, self._item.data
        if self._handle == "rotate":
            # Shift snaps the angle to steps of 15 degrees.
            modifiers = QApplication.keyboardModifiers()
            snap = 15.0 if modifiers & Qt.KeyboardModifier.ShiftModifier else 0.0
            data = geometry.keep_rotated_inside(
                geometry.rotate_towards(data, _point(point), snap=snap), size)
            self._host.status(f"Rotated box at {data['angle']:.0f}°")
        elif self._handle.startswith("v"):
            data = geometry.move_vertex(data, int(self._handle[1:]), _point(point), size)
            self._host.status(f"Vertex at {point.x():.0f},{point.y():.0f}")
        else:
            data = geometry.resize_box(item.kind, data, self._handle, _point(point), size)
            if item.kind == "rotated_bbox":
                data = geometry.keep_rotated_inside(data, size)
                self._host.status(f"Rotated box {data['w']:.0f}x{data['h']:.0f}")
            else:
                self._host.status(f"Box {describe_box(data)}")
        item.set_data(data)

    def release(self, point: QPointF) -> None:
        item = self._item
        if item.data == dict(item.annotation.data):
            return
        text = {"rotate": "Rotate box"}.get(self._handle, "Move vertex"
                                           if self._handle.startswith("v") else "Resize box")
        self._host.commit(text, [Change(item.annotation_id, item.annotation,
                                        item.annotation.with_data(item.data))])

    def cancel(self) -> None:
        self._item.revert()


class RubberBandSession:
    """Select the shapes that lie wholly inside a dragged rectangle."""

    def __init__(self, host: ToolHost, start: QPointF, keep: list[ShapeItem]) -> None:
        self._host = host
        self._start = start
        self._keep = keep

    def move(self, point: QPointF, position: QPointF) -> None:
        self._host.preview.show_band(QRectF(self._start, point))

    def release(self, point: QPointF) -> None:
        self._host.preview.clear()
        rect = QRectF(self._start, point).normalized()
        if rect.width() == 0 and rect.height() == 0:
            return
        found = self._host.shapes_inside(rect)
        self._host.select(self._keep + [item for item in found if item not in self._keep])

    def cancel(self) -> None:
        self._host.preview.clear()


class Tool:
    """Base tool: no drawing; handles of selected shapes can be dragged."""

    name = ""

    def __init__(self, host: ToolHost) -> None:
        self.host = host
        self.session: Session | None = None

    def press(self, event: QMouseEvent, point: QPointF) -> None:
        pass

    def move(self, event: QMouseEvent, point: QPointF) -> None:
        if self.session is not None:
            self.session.move(point, event.position())

    def release(self, event: QMouseEvent, point: QPointF) -> None:
        session, self.session = self.session, None
        if session is not None:
            session.release(point)

    def double_click(self, event: QMouseEvent, point: QPointF) -> None:
        pass

    def finish(self) -> bool:
        """Finish the shape in progress (Enter); return whether there was one."""
        return False

    def remove_last_vertex(self) -> bool:
        return False

    def cancel(self) -> bool:
        """Drop the gesture or shape in progress; return whether there was one."""
        session, self.session = self.session, None
        if session is not None:
            session.cancel()
            return True
        return False

    def is_busy(self) -> bool:
        return self.session is not None

    def _start_handle_drag(self, event: QMouseEvent) -> bool:
        """Start dragging a handle of a selected shape under the cursor, if any."""
        if not self.host.can_edit():
            return False
        hit = self.host.handle_at(event.position())
        if hit is None:
            return False
        item, handle = hit
        is_shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if handle.startswith("v") and is_shift:
            self.host.delete_vertex(item, int(handle[1:]))
            return True
        self.session = HandleSession(self.host, item, handle)
        return True


class SelectTool(Tool):
    """Click, Shift+click (add), Ctrl+click (toggle), rubber band, drags and vertex edits."""

    name = "select"

    def press(self, event: QMouseEvent, point: QPointF) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        if self._start_handle_drag(event):
            return
        modifiers = event.modifiers()
        if modifiers & Qt.KeyboardModifier.AltModifier and self._insert_on_edge(point):
            return

        item = self.host.shape_at(point)
        is_add = bool(modifiers & Qt.KeyboardModifier.ShiftModifier)
        is_toggle = bool(modifiers & Qt.KeyboardModifier.ControlModifier)
        if item is None:
            keep = self.host.selected_shapes() if (is_add or is_toggle) else []
            self.host.select(keep)
            self.session = RubberBandSession(self.host, point, keep)
            return
        if is_toggle:
            item.setSelected(not item.isSelected())
        elif is_add:
            item.setSelected(True)
        elif not item.isSelected():
            self.host.select([item])
        if item.isSelected() and self.host.can_edit():
            self.session = MoveSession(self.host, self.host.selected_shapes(), point,
                                       event.position())

    def double_click(self, event: QMouseEvent, point: QPointF) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._insert_on_edge(point)

    def _insert_on_edge(self, point: QPointF) -> bool:
        """Add a vertex where the cursor is on an edge of a selected polygon or polyline."""
        if not self.host.can_edit():
            return False
        for item in self.host.selected_shapes():
            if item.kind in ("polygon", "polyline") and self.host.insert_vertex(item, point):
                return True
        return False


class BoxTool(Tool):
    """Drag a box; with `rotated`, the new box is selected so its handle can rotate it."""

    def __init__(self, host: ToolHost, *, rotated: bool) -> None:
        super().__init__(host)
        self.kind = "rotated_bbox" if rotated else "bbox"
        self.name = self.kind
        self._start: QPointF | None = None
        self._press_position = QPointF()
        self._label: Label | None = None

    def press(self, event: QMouseEvent, point: QPointF) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self._start_handle_drag(event):
            return
        if not self.host.can_edit():
            self.host.status("This view is read-only")
            return
        self._label = self.host.label_for(self.kind)
        if self._label is None:
            return
        self.host.select([])
        x, y = geometry.clamp_point(point.x(), point.y(), self.host.image_size())
        self._start = QPointF(x, y)
        self._press_position = event.position()

    def move(self, event: QMouseEvent, point: QPointF) -> None:
        if self.session is not None:
            super().move(event, point)
            return
        if self._start is None or self._label is None:
            return
        data = geometry.box_from_corners(_point(self._start), _point(point),
                                         self.host.image_size())
        self.host.preview.show_shape("bbox", data, self.host.color_for(self._label.name))
        self.host.status(f"Box {describe_box(data)}")

    def release(self, event: QMouseEvent, point: QPointF) -> None:
        if self.session is not None:
            super().release(event, point)
            return
        start, label, self._start = self._start, self._label, None
        self.host.preview.clear()
        if start is None or label is None:
            return
        data = geometry.box_from_corners(_point(start), _point(point), self.host.image_size())
        travelled = (event.position() - self._press_position).manhattanLength()
        # A click or a twitch of the hand is not a box.
        if data["w"] < 2 or data["h"] < 2 or travelled < 3:
            self.host.status("Box too small (under 2 pixels): not created")
            return
        if self.kind == "rotated_bbox":
            self.host.create(self.kind, label.name, geometry.rotated_from_box(data),
                             select=True)
        else:
            self.host.create(self.kind, label.name, data)

    def cancel(self) -> bool:
        was_busy = self._start is not None
        self._start = None
        self.host.preview.clear()
        return super().cancel() or was_busy

    def is_busy(self) -> bool:
        return self._start is not None or super().is_busy()


class VertexTool(Tool):
    """Click vertices of a polygon, polyline or points shape; Enter or double-click ends it."""

    def __init__(self, host: ToolHost, kind: str) -> None:
        super().__init__(host)
        self.kind = kind
        self.name = kind
        self._points: list[list[float]] = []
        self._cursor: tuple[float, float] | None = None

    def press(self, event: QMouseEvent, point: QPointF) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        if not self._points and self._start_handle_drag(event):
            return
        if not self.host.can_edit():
            self.host.status("This view is read-only")
            return
        if not self._points:
            if self.host.label_for(self.kind) is None:
                return
            self.host.select([])
        elif self._closes_polygon(point):
            self.finish()
            return
        x, y = geometry.clamp_point(point.x(), point.y(), self.host.image_size())
        if self._points and math.dist(self._points[-1], (x, y)) < 1e-6:
            return
        self._points.append([geometry.tidy(x), geometry.tidy(y)])
        self._show()

    def _closes_polygon(self, point: QPointF) -> bool:
        return (self.kind == "polygon" and len(self._points) >= 3
                and self.host.widget_distance(point, tuple(self._points[0]))
                <= self.host.metrics.hit_tolerance)

    def move(self, event: QMouseEvent, point: QPointF) -> None:
        if self.session is not None:
            super().move(event, point)
            return
        if self._points:
            self._cursor = geometry.clamp_point(point.x(), point.y(), self.host.image_size())
            self._show()

    def double_click(self, event: QMouseEvent, point: QPointF) -> None:
        # The first click of the double-click already placed the last vertex.
        if event.button() == Qt.MouseButton.LeftButton and self._points:
            self.finish()

    def _show(self) -> None:
        label = self.host.label_for(self.kind)
        color = self.host.color_for(label.name if label else None)
        points = list(self._points)
        if self._cursor is not None and self.kind != "points":
            points.append(list(self._cursor))
        self.host.preview.show_shape(self.kind, {"points": points}, color)
        noun = "point" if len(self._points) == 1 else "points"
        self.host.status(f"{SHAPE_NAMES[self.kind].capitalize()}: {len(self._points)} {noun}")

    def finish(self) -> bool:
        if not self._points:
            return False
        minimum = geometry.MINIMUM_POINTS[self.kind]
        if len(self._points) < minimum:
            self.host.status(f"A {SHAPE_NAMES[self.kind]} needs at least {minimum} points; "
                             f"{len(self._points)} placed")
            return True
        label = self.host.label_for(self.kind)
        if label is None:
            return True
        points, self._points, self._cursor = self._points, [], None
        self.host.preview.clear()
        self.host.create(self.kind, label.name, {"points": points, "attributes": {}})
        return True

    def remove_last_vertex(self) -> bool:
        if not self._points:
            return False
        self._points.pop()
        if self._points:
            self._show()
        else:
            self._cursor = None
            self.host.preview.clear()
        return True

    def cancel(self) -> bool:
        was_busy = bool(self._points)
        self._points, self._cursor = [], None
        self.host.preview.clear()
        return super().cancel() or was_busy

    def is_busy(self) -> bool:
        return bool(self._points) or super().is_busy()
