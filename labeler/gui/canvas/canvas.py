"""The annotation canvas: an image, its shapes, the tools and the undo history.

Every edit goes through an `EditCommand`, which writes to the store first and
then passes the committed state to the canvas (`show_committed`). The scene
therefore only ever shows committed shapes, apart from a drag or a drawing in
progress.

Nothing here writes pixels or annotations to disk, and log lines name
annotations by id only, never by label text or values.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any, Final

import numpy as np
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QMouseEvent, QUndoGroup, QUndoStack
from PySide6.QtWidgets import QGraphicsScene, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from labeler.core.annotations import Annotation, AnnotationStore, normalise_geometry
from labeler.core.errors import ConfigError, LabelerError, NotFoundError, PolicyError, StorageError
from labeler.core.model.ontology import Label, Ontology
from labeler.gui import shortcuts
from labeler.gui.canvas import editing, geometry, picking
from labeler.gui.canvas.actions import CanvasActions
from labeler.gui.canvas.classification import ClassificationPanel
from labeler.gui.canvas.commands import NUDGE_ID, Change, EditCommand
from labeler.gui.canvas.items import (
    UNKNOWN_LABEL_COLOR,
    ImageItem,
    LayerItem,
    PreviewItem,
    ShapeItem,
    ViewMetrics,
)
from labeler.gui.canvas.tools import SHAPE_NAMES, BoxTool, SelectTool, Tool, VertexTool
from labeler.gui.canvas.view import CanvasView
from labeler.gui.canvas.window_level import (
    WindowLevelWidget,
    apply_window,
    value_range,
    window_after_drag,
)
from labeler.gui.qt_image import ArrayImage, wrap_array

logger = logging.getLogger(__name__)

TOOLS: Final = ("select", "bbox", "rotated_bbox", "polygon", "polyline", "points",
                "classification")
DRAWING_TOOLS: Final = frozenset({"bbox", "rotated_bbox", "polygon", "polyline", "points"})
# History kept per asset; older steps are dropped first.
UNDO_LIMIT: Final = 500
# Pasting onto the asset the shapes came from offsets them so the copies show.
PASTE_OFFSET: Final = 10.0


class AnnotationCanvas(QWidget):
    """Shows one asset's image and lets the user draw and edit its annotations."""

    annotations_changed = Signal(int)
    selection_changed = Signal(int)
    status_message = Signal(str)
    error_occurred = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.metrics = ViewMetrics()
        self._scene = QGraphicsScene(self)
        self._image_item = ImageItem()
        self._shapes_layer = LayerItem()
        self._shapes_layer.setZValue(1)
        self.preview = PreviewItem(self.metrics)
        for item in (self._image_item, self._shapes_layer, self.preview):
            self._scene.addItem(item)
        self._view = CanvasView(self._scene, self, self)
        self._window_level = WindowLevelWidget()
        self._panel = ClassificationPanel()
        self._notes = QLabel()
        self._build_layout()

        self._ontology: Ontology | None = None
        self._store: AnnotationStore | None = None
        self._asset_id: int | None = None
        self._size: tuple[float, float] = (0.0, 0.0)
        self._items: dict[str, ShapeItem] = {}
        self._classification: Annotation | None = None
        self._clipboard: list[Annotation] = []
        self._clipboard_asset: int | None = None
        self._current_label: str | None = None
        self._is_error_shown = False
        self._is_content_hidden = False
        self._last_command_failed = False
        self._raw: np.ndarray | None = None
        self._window_drag: tuple[QPointF, float, float] | None = None
        self._pending_window: tuple[float, float] | None = None
        self._render_timer = QTimer(self)
        self._render_timer.setSingleShot(True)
        self._render_timer.timeout.connect(self._render_window)

        self._undo_group = QUndoGroup(self)
        self._stacks: dict[int, QUndoStack] = {}
        self._spare_stack = QUndoStack(self)
        self._tools: dict[str, Tool] = {
            "select": SelectTool(self),
            "bbox": BoxTool(self, rotated=False),
            "rotated_bbox": BoxTool(self, rotated=True),
            "polygon": VertexTool(self, "polygon"),
            "polyline": VertexTool(self, "polyline"),
            "points": VertexTool(self, "points"),
            "classification": Tool(self),
        }
        self._tool = "select"
        self._last_drawing_tool = "bbox"
        self._actions = CanvasActions(self, self._action_handlers(), self._undo_group)
        self._actions.show_tool("select")

        self._scene.selectionChanged.connect(self._emit_selection)
        self._view.zoom_changed.connect(self._on_zoom_changed)
        self._window_level.window_changed.connect(self._schedule_window)
        self._panel.apply_requested.connect(self._apply_classification)

    def _build_layout(self) -> None:
        self._window_level.hide()
        self._panel.hide()
        self._notes.hide()
        self._notes.setWordWrap(True)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self._view, 1)
        row.addWidget(self._panel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self._notes)
        layout.addWidget(self._window_level)
        layout.addLayout(row, 1)
        self.setFocusProxy(self._view)

    # -- configuration ------------------------------------------------------------

    def set_ontology(self, ontology: Ontology) -> None:
        self._ontology = ontology
        names = [label.name for label in ontology.labels]
        if self._current_label not in names:
            self._current_label = names[0] if names else None
        self._panel.set_attributes(ontology.classifications)
        self._actions.set_label_names(
            {label.key: label.name for label in ontology.labels if label.key})
        self._actions.by_id["tool_classification"].setEnabled(bool(ontology.classifications))
        for item in self._items.values():
            item.set_annotation(item.annotation, self.color_for(item.annotation.label))

    def set_store(self, store: AnnotationStore | None, *, keep_history: bool = False) -> None:
        """Set where edits are saved; None makes the canvas a read-only view.

        A different store means a different project or session, so the undo
        history and the in-app clipboard of the old one are dropped. With
        `keep_history`, the caller states that the project is the same (one
        asset is frozen for review, the next is editable again), so both stay:
        shapes copied from a frozen asset can be pasted onto another asset.
        While the canvas is read-only, undo and redo are off.
        """
        if store is not self._store and not keep_history:
            self._drop_history()
            self._clipboard, self._clipboard_asset = [], None
        self._store = store
        self._panel.set_read_only(store is None)
        if store is None:
            self._current_tool().cancel()
            self._undo_group.setActiveStack(None)  # type: ignore[arg-type]
        elif (self._asset_id is not None and not self._is_error_shown
              and not self._is_content_hidden):
            self._undo_group.setActiveStack(self._stack_for(self._asset_id))

    def is_read_only(self) -> bool:
        return self._store is None

    def apply_shortcuts(self, overrides: Mapping[str, str]) -> None:
        """Rebind the canvas actions from the user's overrides (see `labeler.gui.shortcuts`).

        Raises:
            shortcuts.ShortcutError: an override is invalid or two actions share a key.
        """
        self._actions.apply_bindings(shortcuts.resolve_bindings(overrides))

    def help_text(self, overrides: Mapping[str, str] | None = None) -> str:
        """Return every shortcut and mouse gesture, naming the labels behind keys 1 to 9."""
        names = {label.key: label.name for label in self._labels() if label.key}
        return shortcuts.help_text(shortcuts.resolve_bindings(overrides), names)

    def actions(self) -> list[QAction]:  # type: ignore[override]
        """Return every canvas action with its shortcut, for menus and the help."""
        return self._actions.all()

    # -- showing assets -----------------------------------------------------------

    def show_image(self, asset_id: int, pixels: np.ndarray, annotations: list[Annotation],
                   *, raw: np.ndarray | None = None,
                   window: tuple[float, float] | None = None, notes: tuple[str, ...] = (),
                   full_size: tuple[int, int] | None = None) -> None:
        """Show an asset's pixels and annotations.

        For the asset already shown, only the pixels (and window) are replaced:
        zoom, selection and history stay, and `annotations` is not read again,
        because the scene already contains every edit committed since.

        Raises:
            ValueError: `pixels` is not an HxW, HxWx3 or HxWx4 uint8 array.
        """
        image = wrap_array(pixels)
        size = (float(full_size[0]), float(full_size[1])) if full_size else (
            float(image.width), float(image.height))
        is_same_asset = (asset_id == self._asset_id and not self._is_error_shown
                         and self._image_item.image() is not None)
        self._set_notes(notes)
        if is_same_asset:
            self._set_image(image, size)
            self._set_window_source(raw, window)
            return

        self._leave_asset()
        self._asset_id = asset_id
        self._set_image(image, size)
        self._set_window_source(raw, window)
        for annotation in annotations:
            self._add_annotation(annotation)
        self._panel.set_values(self._classification.data.get("values", {})
                               if self._classification else {})
        self._panel.setVisible(self._tool == "classification" and not self._is_content_hidden)
        if self._store is not None:
            self._undo_group.setActiveStack(self._stack_for(asset_id))
        self._view.keep_zoom_for_new_image()
        self._emit_selection()

    def show_error(self, asset_id: int, message: str) -> None:
        """Show `message` instead of the image; the asset's annotations are not touched."""
        self._leave_asset()
        self._asset_id = asset_id
        self._is_error_shown = True
        self._view.set_message(message)
        self._emit_selection()

    def clear(self) -> None:
        self._leave_asset()
        self._asset_id = None
        self._set_notes(())
        self._emit_selection()

    def current_asset_id(self) -> int | None:
        return self._asset_id

    def undo_stack(self) -> QUndoStack:
        """Return the shown asset's undo stack (an empty one when no asset is shown)."""
        if self._asset_id is None:
            return self._spare_stack
        return self._stack_for(self._asset_id)

    def _stack_for(self, asset_id: int) -> QUndoStack:
        stack = self._stacks.get(asset_id)
        if stack is None:
            stack = QUndoStack(self)
            stack.setUndoLimit(UNDO_LIMIT)
            self._undo_group.addStack(stack)
            self._stacks[asset_id] = stack
        return stack

    def _drop_history(self) -> None:
        for stack in self._stacks.values():
            self._undo_group.removeStack(stack)
            stack.deleteLater()
        self._stacks = {}

    def _leave_asset(self) -> None:
        """Clear everything shown for the current asset (not its history)."""
        for tool in self._tools.values():
            tool.cancel()
        self._scene.clearSelection()
        for item in self._items.values():
            self._scene.removeItem(item)
        self._items = {}
        self._classification = None
        self._is_error_shown = False
        self._view.set_message(None)
        self._image_item.set_image(None, (0, 0))
        self._set_window_source(None, None)
        self._undo_group.setActiveStack(None)  # type: ignore[arg-type]
        self._panel.hide()

    def _set_image(self, image: ArrayImage, size: tuple[float, float]) -> None:
        self._size = size
        self._image_item.set_image(image, (int(size[0]), int(size[1])))
        self._scene.setSceneRect(QRectF(0, 0, size[0], size[1]))
        margin = max(size) + 100
        self.preview.set_area(QRectF(-margin, -margin, size[0] + 2 * margin,
                                     size[1] + 2 * margin))

    def _set_notes(self, notes: tuple[str, ...]) -> None:
        self._notes.setText("\n".join(notes))
        self._notes.setVisible(bool(notes) and not self._is_content_hidden)

    def _add_annotation(self, annotation: Annotation) -> None:
        if annotation.kind == "classification":
            self._classification = annotation
            return
        try:
            normalise_geometry(annotation.kind, annotation.data)
        except ConfigError as error:
            logger.warning("annotation %s on asset %s is not shown: %s",
                           annotation.id, annotation.asset_id, error)
            return
        item = ShapeItem(annotation, self.color_for(annotation.label), self.metrics,
                         self._shapes_layer)
        self._items[annotation.id] = item

    # -- window/level -------------------------------------------------------------

    def _set_window_source(self, raw: np.ndarray | None,
                           window: tuple[float, float] | None) -> None:
        self._raw = raw
        self._render_timer.stop()
        if raw is None or window is None:
            self._window_level.hide()
            return
        self._window_level.configure(value_range(raw), window)
        self._window_level.setVisible(not self._is_content_hidden)

    def window(self) -> tuple[float, float] | None:
        """Return the current window (centre, width), or None without a raw image."""
        return self._window_level.window() if self._raw is not None else None

    def _schedule_window(self, centre: float, width: float) -> None:
        # Mouse moves arrive faster than a large image can be re-mapped, so
        # only the latest window is rendered once the event queue is empty.
        self._pending_window = (centre, width)
        self._render_timer.start(0)

    def _render_window(self) -> None:
        if self._raw is None or self._pending_window is None:
            return
        centre, width = self._pending_window
        pixels = apply_window(self._raw, centre, max(width, 1.0))
        self._image_item.set_image(wrap_array(pixels), (int(self._size[0]), int(self._size[1])))

    # -- mouse input (called by the view) -------------------------------------------

    def mouse_pressed(self, event: QMouseEvent) -> None:
        if self._image_item.image() is None:
            return
        if event.button() == Qt.MouseButton.RightButton and self._raw is not None:
            centre, width = self._window_level.window()
            self._window_drag = (event.position(), centre, width)
            return
        self._current_tool().press(event, self._scene_point(event))

    def mouse_moved(self, event: QMouseEvent) -> None:
        if self._window_drag is not None:
            self._drag_window(event.position())
            return
        if self._image_item.image() is not None:
            self._current_tool().move(event, self._scene_point(event))

    def mouse_released(self, event: QMouseEvent) -> None:
        if self._window_drag is not None and event.button() == Qt.MouseButton.RightButton:
            self._drag_window(event.position())
            self._window_drag = None
            return
        if self._image_item.image() is not None:
            self._current_tool().release(event, self._scene_point(event))

    def mouse_double_clicked(self, event: QMouseEvent) -> None:
        if self._image_item.image() is not None:
            self._current_tool().double_click(event, self._scene_point(event))

    def _scene_point(self, event: QMouseEvent) -> QPointF:
        inverse, _ok = self._view.viewportTransform().inverted()
        return inverse.map(event.position())

    def _drag_window(self, position: QPointF) -> None:
        if self._window_drag is None or self._raw is None:
            return
        start, centre, width = self._window_drag
        shift = position - start
        window = window_after_drag((centre, width), (shift.x(), shift.y()),
                                   value_range(self._raw))
        self._window_level.set_window(*window)
        self._schedule_window(*self._window_level.window())
        self.status_message.emit(f"Window centre {window[0]:.0f}, width {window[1]:.0f}")

    # -- tools --------------------------------------------------------------------

    def set_tool(self, tool: str) -> None:
        """Switch tools; a shape being drawn is dropped.

        Raises:
            ValueError: `tool` is not one of TOOLS.
        """
        if tool not in TOOLS:
            raise ValueError(f"unknown tool {tool!r}; use one of {', '.join(TOOLS)}")
        if self._current_tool().cancel():
            self.status_message.emit(self.tr("Drawing cancelled"))
        self._tool = tool
        if tool in DRAWING_TOOLS:
            self._last_drawing_tool = tool
            self._scene.clearSelection()
        self._actions.show_tool(tool)
        self._panel.setVisible(tool == "classification" and self._asset_id is not None
                               and not self._is_error_shown and not self._is_content_hidden)
        cursor = Qt.CursorShape.CrossCursor if tool in DRAWING_TOOLS else Qt.CursorShape.ArrowCursor
        self._view.viewport().setCursor(cursor)

    def tool(self) -> str:
        return self._tool

    def _current_tool(self) -> Tool:
        return self._tools[self._tool]

    def set_current_label(self, name: str) -> None:
        """Set the label for the next shapes.

        Raises:
            ConfigError: the ontology has no label called `name`.
        """
        if self._ontology is None:
            raise ConfigError("the canvas has no ontology yet; call set_ontology first")
        self._ontology.label(name)
        self._current_label = name

    def current_label(self) -> str | None:
        return self._current_label

    def _labels(self) -> tuple[Label, ...]:
        return self._ontology.labels if self._ontology else ()

    # -- what the tools use (ToolHost) ---------------------------------------------------

    def image_size(self) -> tuple[float, float]:
        return self._size

    def can_edit(self) -> bool:
        return (self._store is not None and self._asset_id is not None
                and not self._is_error_shown and not self._is_content_hidden)

    def label_for(self, kind: str) -> Label | None:
        """Return the current label if it allows `kind`, else report why in the status."""
        label = next((lb for lb in self._labels() if lb.name == self._current_label), None)
        if label is None:
            self.status_message.emit(self.tr("Pick a label first (keys 1 to 9)"))
            return None
        if kind not in label.shapes:
            self.status_message.emit(
                self.tr("Label %1 does not allow %2 shapes; pick another label")
                .replace("%1", label.name).replace("%2", SHAPE_NAMES.get(kind, kind)))
            return None
        return label

    def color_for(self, label: str | None) -> QColor:
        match = next((lb for lb in self._labels() if lb.name == label), None)
        return QColor(match.color if match else UNKNOWN_LABEL_COLOR)

    def shape_at(self, point: QPointF) -> ShapeItem | None:
        tolerance = self.metrics.to_scene(self.metrics.hit_tolerance)
        return picking.shape_at(self._scene, point, tolerance)

    def handle_at(self, position: QPointF) -> tuple[ShapeItem, str] | None:
        return picking.handle_at(self.selected_shapes(), position,
                                 self._view.viewportTransform(), self.metrics.hit_tolerance)

    def widget_distance(self, a: QPointF, b: tuple[float, float]) -> float:
        """Return the on-screen distance in pixels between two scene points."""
        transform = self._view.viewportTransform()
        return picking.screen_distance(transform, transform.map(a), b)

    def selected_shapes(self) -> list[ShapeItem]:
        return [item for item in self._scene.selectedItems() if isinstance(item, ShapeItem)]

    def shapes_inside(self, rect: QRectF) -> list[ShapeItem]:
        return picking.shapes_inside(self._scene, rect)

    def select(self, items: Sequence[ShapeItem], *, add: bool = False) -> None:
        keep = set(map(id, items))
        with _SignalsBlocked(self._scene):
            if not add:
                for item in self.selected_shapes():
                    if id(item) not in keep:
                        item.setSelected(False)
            for item in items:
                item.setSelected(True)
        self._emit_selection()

    def status(self, text: str) -> None:
        self.status_message.emit(text)

    def create(self, kind: str, label: str, data: dict[str, Any], *,
               select: bool = False) -> bool:
        """Commit a new shape; with `select`, select it once it is stored."""
        annotation = Annotation(self._asset_id or 0, kind, label, data)
        name = SHAPE_NAMES.get(kind, kind)
        if not self.commit(f"Create {name}", [Change(annotation.id, None, annotation)]):
            return False
        item = self._items.get(annotation.id)
        if select and item is not None:
            self.select([item])
        if kind == "bbox":
            self.status(f"Box {data['w']:.0f}x{data['h']:.0f} at {data['x']:.0f},{data['y']:.0f}")
        else:
            self.status(f"{name.capitalize()} created")
        return True

    def commit(self, text: str, changes: list[Change], *, merge_id: int = -1) -> bool:
        """Push one edit; return whether the store committed it."""
        if not changes:
            return False
        if not self.can_edit() or self._store is None or self._asset_id is None:
            self.status(self.tr("This view is read-only"))
            for change in changes:
                item = self._items.get(change.annotation_id)
                if item is not None:
                    item.revert()
            return False
        command = EditCommand(text, self._asset_id, changes, self._store, self,
                              merge_id=merge_id)
        self._last_command_failed = False
        self.undo_stack().push(command)
        return not self._last_command_failed

    def insert_vertex(self, item: ShapeItem, point: QPointF) -> bool:
        edge = geometry.nearest_edge(item.kind, item.data, (point.x(), point.y()))
        if edge is None:
            return False
        index, nearest, _distance = edge
        if self.widget_distance(point, nearest) > self.metrics.hit_tolerance:
            return False
        data = geometry.insert_vertex(item.data, index, nearest)
        return self.commit("Add vertex", [Change(item.annotation_id, item.annotation,
                                                 item.annotation.with_data(data))])

    def delete_vertex(self, item: ShapeItem, index: int) -> bool:
        minimum = geometry.MINIMUM_POINTS[item.kind]
        if len(item.data["points"]) <= minimum:
            self.status(f"A {SHAPE_NAMES[item.kind]} needs at least {minimum} "
                        f"point{'s' if minimum > 1 else ''}; delete the shape instead")
            return False
        data = geometry.remove_vertex(item.data, index)
        return self.commit("Delete vertex", [Change(item.annotation_id, item.annotation,
                                                    item.annotation.with_data(data))])

    # -- what commands call (CommandHost) ---------------------------------------------

    def show_committed(self, asset_id: int, annotation_id: str,
                       state: Annotation | None) -> None:
        """Make the scene show what the store holds for one annotation."""
        if asset_id != self._asset_id or self._is_error_shown:
            return
        if state is not None and state.kind == "classification":
            self._classification = state
            self._panel.set_values(state.data.get("values", {}))
            return
        if state is None and self._classification and self._classification.id == annotation_id:
            self._classification = None
            self._panel.set_values({})
            return
        item = self._items.get(annotation_id)
        if state is None:
            if item is not None:
                item.setSelected(False)
                self._scene.removeItem(item)
                del self._items[annotation_id]
        elif item is not None:
            item.set_annotation(state, self.color_for(state.label))
        else:
            self._add_annotation(state)

    def edit_committed(self, asset_id: int) -> None:
        self.annotations_changed.emit(asset_id)

    def edit_failed(self, error: Exception) -> None:
        self._last_command_failed = True
        self.error_occurred.emit(self._describe_failure(error))

    def _describe_failure(self, error: Exception) -> str:
        if isinstance(error, StorageError):
            return self.tr("The change was not saved because the project store could not "
                           "be written. The project may be closed or locked; open it again "
                           "and repeat the edit.")
        if isinstance(error, (PolicyError, ConfigError, NotFoundError)):
            return self.tr("The change was not saved: %1.").replace("%1", str(error))
        if isinstance(error, LabelerError):
            return self.tr("The change was not saved: %1.").replace("%1", str(error))
        return self.tr("The change was not saved because of an unexpected error; the log "
                       "has the details.")

    # -- edits from actions ---------------------------------------------------------------

    def copy_selection(self) -> int:
        """Copy the selected shapes into the in-app clipboard; return how many.

        The system clipboard is not used, so no annotation leaves the process.
        """
        selected = self.selected_shapes()
        if not selected:
            return 0
        self._clipboard = [item.annotation for item in selected]
        self._clipboard_asset = self._asset_id
        self.status(f"Copied {len(selected)} shape{'s' if len(selected) > 1 else ''}")
        return len(selected)

    def paste(self) -> int:
        """Paste the copied shapes onto the shown asset, inside its bounds; return how many."""
        if not self._clipboard or not self.can_edit() or self._asset_id is None:
            return 0
        offset = PASTE_OFFSET if self._clipboard_asset == self._asset_id else 0.0
        pasted = editing.pasted_annotations(self._clipboard, self._asset_id, self._labels(),
                                            self._size, offset)
        if not pasted:
            self.status(self.tr("Nothing to paste onto this image"))
            return 0
        count = len(pasted)
        changes = [Change(annotation.id, None, annotation) for annotation in pasted]
        if not self.commit("Paste shape" if count == 1 else f"Paste {count} shapes", changes):
            return 0
        self.select([self._items[a.id] for a in pasted if a.id in self._items])
        self.status(f"Pasted {count} shape{'s' if count > 1 else ''}")
        return count

    def delete_selection(self) -> int:
        selected = self.selected_shapes()
        if not selected:
            return 0
        changes = [Change(item.annotation_id, item.annotation, None) for item in selected]
        count = len(changes)
        if not self.commit("Delete shape" if count == 1 else f"Delete {count} shapes", changes):
            return 0
        return count

    def _relabel_or_pick(self, key: str) -> None:
        label = next((lb for lb in self._labels() if lb.key == key), None)
        if label is None:
            self.status(f"No label has the key {key}")
            return
        # The key also picks the label for new shapes, so the label tool bar,
        # which follows the current label, shows the key just pressed.
        self._current_label = label.name
        selected = self.selected_shapes()
        if not selected or not self.can_edit():
            self.status(f"Label for new shapes: {label.name}")
            return
        changes, skipped = editing.relabel_changes(selected, label)
        shapes = f"shape{'s' if len(changes) != 1 else ''}"
        if changes and not self.commit(f"Relabel {len(changes)} {shapes}", changes):
            return
        note = f"; {skipped} skipped because {label.name} does not allow their kind" \
            if skipped else ""
        self.status(f"Relabelled {len(changes)} {shapes} as {label.name}{note}")

    def _nudge(self, dx: float, dy: float) -> None:
        selected = self.selected_shapes()
        if not selected or not self.can_edit():
            return
        changes = editing.nudge_changes(selected, dx, dy, self._size)
        if not changes:
            return
        self.commit("Nudge", changes, merge_id=NUDGE_ID)

    def _apply_classification(self, values: dict[str, Any]) -> None:
        if self._asset_id is None:
            return
        change = editing.classification_change(self._asset_id, self._classification, values)
        if change is None:
            self.status(self.tr("The classification is unchanged"))
            return
        if self.commit("Classify image", [change]):
            self.status(self.tr("Classification saved"))

    # -- view ---------------------------------------------------------------------------

    def fit(self) -> None:
        self._view.fit()

    def zoom_actual(self) -> None:
        self._view.set_zoom(1.0)

    def zoom_by(self, factor: float) -> None:
        self._view.zoom_by(factor)

    def zoom(self) -> float:
        return self._view.zoom()

    def set_watermark(self, text: str | None) -> None:
        """Draw `text` repeated over the viewport; it is never part of the scene."""
        self._view.set_watermark(text)

    def set_content_hidden(self, hidden: bool) -> None:
        """Hide (idle lock) or show again the image, shapes, notes and forms."""
        self._is_content_hidden = hidden
        if hidden:
            for tool in self._tools.values():
                tool.cancel()
            self._window_drag = None
        self._image_item.setVisible(not hidden)
        self._shapes_layer.setVisible(not hidden and not self._are_shapes_hidden())
        self.preview.setVisible(not hidden)
        self._notes.setVisible(not hidden and bool(self._notes.text()))
        self._window_level.setVisible(not hidden and self._raw is not None)
        self._panel.setVisible(not hidden and self._tool == "classification"
                               and self._asset_id is not None and not self._is_error_shown)
        # Undo and redo would change shapes that are hidden.
        is_editable_asset = (self._asset_id is not None and not self._is_error_shown
                             and self._store is not None)
        stack = self._stack_for(self._asset_id) if is_editable_asset and not hidden else None
        self._undo_group.setActiveStack(stack)  # type: ignore[arg-type]
        self._view.set_content_hidden(hidden)

    def is_content_hidden(self) -> bool:
        return self._is_content_hidden

    def set_shapes_hidden(self, hidden: bool) -> None:
        """Hide the shapes to see the image underneath (H); they cannot be picked meanwhile."""
        self._actions.by_id["hide_shapes"].setChecked(hidden)
        if hidden:
            self._scene.clearSelection()
        self._shapes_layer.setVisible(not hidden and not self._is_content_hidden)
        self.status(self.tr("Shapes hidden") if hidden else self.tr("Shapes shown"))

    def _are_shapes_hidden(self) -> bool:
        return self._actions.by_id["hide_shapes"].isChecked()

    def image_to_widget(self, x: float, y: float) -> QPoint:
        """Return where image pixel (x, y) is on the viewport widget."""
        return self._view.mapFromScene(QPointF(x, y))

    def viewport_widget(self) -> QWidget:
        return self._view.viewport()

    def view(self) -> CanvasView:
        return self._view

    def classification_panel(self) -> ClassificationPanel:
        return self._panel

    def shape_items(self) -> list[ShapeItem]:
        """Return the shape items in the scene (for tests and the main window's lists)."""
        return list(self._items.values())

    def _on_zoom_changed(self, zoom: float) -> None:
        self.metrics.zoom = zoom
        for item in self._items.values():
            item.zoom_changed()

    def _emit_selection(self) -> None:
        self.selection_changed.emit(len(self.selected_shapes()))

    # -- action handlers ------------------------------------------------------------------

    def _action_handlers(self) -> dict[str, Any]:
        handlers: dict[str, Any] = {
            "copy": self.copy_selection,
            "paste": self.paste,
            "delete": self.delete_selection,
            "select_all": lambda: self.select(list(self._items.values())
                                              if self._shapes_layer.isVisible() else []),
            "finish_shape": lambda: self._when_visible(self._current_tool().finish),
            "remove_last_vertex": lambda: self._when_visible(
                self._current_tool().remove_last_vertex),
            "cancel": self._cancel,
            "repeat_tool": lambda: self.set_tool(self._last_drawing_tool),
            "fit": self.fit,
            "zoom_actual": self.zoom_actual,
            "zoom_in": lambda: self.zoom_by(1.25),
            "zoom_out": lambda: self.zoom_by(0.8),
            "hide_shapes": lambda: self.set_shapes_hidden(self._are_shapes_hidden()),
        }
        for action_id, tool in (("tool_select", "select"), ("tool_bbox", "bbox"),
                                ("tool_rotated_bbox", "rotated_bbox"),
                                ("tool_polygon", "polygon"), ("tool_polyline", "polyline"),
                                ("tool_points", "points"),
                                ("tool_classification", "classification")):
            handlers[action_id] = lambda name=tool: self.set_tool(name)
        for name, (dx, dy) in (("left", (-1, 0)), ("right", (1, 0)), ("up", (0, -1)),
                               ("down", (0, 1))):
            handlers[f"nudge_{name}"] = lambda x=dx, y=dy: self._nudge(x, y)
            handlers[f"nudge_{name}_10"] = lambda x=dx, y=dy: self._nudge(10 * x, 10 * y)
        for digit in range(1, 10):
            handlers[f"label_{digit}"] = lambda key=str(digit): self._relabel_or_pick(key)
        return handlers

    def _when_visible(self, run: Any) -> None:
        if not self._is_content_hidden:
            run()

    def _cancel(self) -> None:
        """Esc: drop the drawing, else clear the selection, else go back to Select."""
        if self._current_tool().cancel():
            self.status(self.tr("Drawing cancelled"))
        elif self.selected_shapes():
            self.select([])
        elif self._tool != "select":
            self.set_tool("select")


class _SignalsBlocked:
    """Block a QObject's signals inside a `with` block."""

    def __init__(self, target: QGraphicsScene) -> None:
        self._target = target
        self._was_blocked = False

    def __enter__(self) -> None:
        self._was_blocked = self._target.blockSignals(True)

    def __exit__(self, *exc_info: object) -> None:
        self._target.blockSignals(self._was_blocked)
