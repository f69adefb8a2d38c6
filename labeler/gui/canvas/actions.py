"""The canvas's QActions, built from the shortcut table in `labeler.gui.shortcuts`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence, QUndoGroup
from PySide6.QtWidgets import QWidget

from labeler.gui import shortcuts

TOOL_ACTIONS: Final = {
    "tool_select": "select", "tool_bbox": "bbox", "tool_rotated_bbox": "rotated_bbox",
    "tool_polygon": "polygon", "tool_polyline": "polyline", "tool_points": "points",
    "tool_classification": "classification",
}


class CanvasActions:
    """Every canvas action, keyed by its shortcut-table id.

    The actions use `Qt.WidgetWithChildrenShortcut`, so their keys work while
    the canvas or one of its children has focus, and plain keys such as "1" or
    Delete never fire while the user types in another part of the window.
    """

    def __init__(self, owner: QWidget, handlers: Mapping[str, Callable[[], None]],
                 undo_group: QUndoGroup) -> None:
        self.by_id: dict[str, QAction] = {}
        self._tool_group = QActionGroup(owner)
        self._tool_group.setExclusive(True)
        for shortcut in shortcuts.SHORTCUTS:
            if shortcut.id in shortcuts.MAIN_WINDOW_ACTIONS:
                continue
            action = self._make_action(owner, shortcut, handlers, undo_group)
            action.setObjectName(f"canvas_{shortcut.id}")
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            owner.addAction(action)
            self.by_id[shortcut.id] = action
        self.apply_bindings(shortcuts.default_bindings())

    def _make_action(self, owner: QWidget, shortcut: shortcuts.Shortcut,
                     handlers: Mapping[str, Callable[[], None]],
                     undo_group: QUndoGroup) -> QAction:
        description = shortcuts.describe(shortcut)
        if shortcut.id == "undo":
            return undo_group.createUndoAction(owner, description)
        if shortcut.id == "redo":
            return undo_group.createRedoAction(owner, description)
        action = QAction(description, owner)
        handler = handlers[shortcut.id]
        action.triggered.connect(lambda _checked=False, run=handler: run())
        if shortcut.id in TOOL_ACTIONS:
            action.setCheckable(True)
            self._tool_group.addAction(action)
        if shortcut.id == "hide_shapes":
            action.setCheckable(True)
        return action

    def apply_bindings(self, bindings: Mapping[str, tuple[QKeySequence, ...]]) -> None:
        for action_id, action in self.by_id.items():
            action.setShortcuts(list(bindings.get(action_id, ())))

    def show_tool(self, tool: str) -> None:
        for action_id, name in TOOL_ACTIONS.items():
            if name == tool:
                self.by_id[action_id].setChecked(True)

    def set_label_names(self, names: Mapping[str, str]) -> None:
        """Name each label slot's action after its label and disable unused slots."""
        for digit in range(1, 10):
            action = self.by_id[f"label_{digit}"]
            shortcut = next(s for s in shortcuts.SHORTCUTS if s.id == f"label_{digit}")
            action.setText(shortcuts.describe(shortcut, names))
            action.setEnabled(str(digit) in names)

    def all(self) -> list[QAction]:
        return list(self.by_id.values())
