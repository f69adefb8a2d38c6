"""The read-only list of keyboard shortcuts, grouped by the view they work in.

Help > Keyboard shortcuts shows this list; Help > Change shortcuts… opens the
editor (`help_dialog.ShortcutsDialog`). Rows are read from the live QActions,
so the list shows the keys in force: the user's own bindings, the label names
behind keys 1 to 9, and the canvas keys that the video view moves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from labeler.gui import shortcuts

if TYPE_CHECKING:
    from labeler.gui.main_window import MainWindow

Row = tuple[str, str]
"""(keys, description) of one action."""

Group = tuple[str, list[Row]]
"""A view's name and its rows."""


def _plain(text: str) -> str:
    """Return menu text without its mnemonic marks ("&Next asset" -> "Next asset")."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def _keys(action: QAction) -> str:
    return shortcuts.format_keys(tuple(action.shortcuts()), native=True)


def action_rows(actions: Iterable[QAction]) -> list[Row]:
    """Return a row per action; label slots without a label are left out."""
    rows = []
    for action in actions:
        is_unused_label = "label_" in action.objectName() and not action.isEnabled()
        text = _plain(action.text())
        if text and not is_unused_label:
            rows.append((_keys(action) or shortcuts.translate("(none)"), text))
    return rows


def window_groups(window: MainWindow) -> list[Group]:
    """Return the window's shortcuts: main window, image canvas, text view, video view."""
    menu_actions = window.menu_actions
    main = [menu_actions.by_id[shortcut.id] for shortcut in shortcuts.SHORTCUTS
            if shortcut.id in menu_actions.by_id]
    main += [menu_actions.first_asset, menu_actions.last_asset]
    canvas = [menu_actions.canvas_by_id[shortcut.id] for shortcut in shortcuts.SHORTCUTS
              if shortcut.id in menu_actions.canvas_by_id]
    mouse = [(shortcuts.translate(gesture), shortcuts.translate(description))
             for gesture, description in shortcuts.MOUSE_HELP]
    tr = window.tr
    return [
        (tr("Main window (anywhere)"), action_rows(main)),
        (tr("Image canvas"), action_rows(canvas) + mouse),
        (tr("Text view"), action_rows(window.text_view.actions())),
        (tr("Video view"), _video_rows(window)),
    ]


def _video_rows(window: MainWindow) -> list[Row]:
    """Return the video keys, then the canvas keys the video view moves elsewhere."""
    image_keys = {action.objectName(): _keys(action)
                  for action in window.menu_actions.canvas_by_id.values()}
    video_actions, moved = [], []
    for action in window.video_view.actions():
        name = action.objectName()
        if name.startswith("video_"):
            video_actions.append(action)
        elif name in image_keys and _keys(action) != image_keys[name]:
            moved.append(action)
    rows = action_rows(video_actions)
    rows += [(keys, window.tr("%1 (moved in the video view)").replace("%1", text))
             for keys, text in action_rows(moved)]
    rows.append(("", window.tr("Other image canvas keys work the same on video frames.")))
    return rows


class ShortcutListDialog(QDialog):
    """Shows shortcut groups as a tree, one branch per view; nothing can be edited."""

    def __init__(self, groups: list[Group], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Keyboard shortcuts"))
        self.tree = QTreeWidget()
        self.tree.setObjectName("shortcutList")
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels([self.tr("Keys"), self.tr("Action")])
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        for title, rows in groups:
            group_item = QTreeWidgetItem([title])
            font = group_item.font(0)
            font.setBold(True)
            group_item.setFont(0, font)
            for keys, description in rows:
                group_item.addChild(QTreeWidgetItem([keys, description]))
            self.tree.addTopLevelItem(group_item)
            group_item.setFirstColumnSpanned(True)
        self.tree.expandAll()

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tree)
        layout.addWidget(buttons)
        self.resize(720, 720)

    def groups(self) -> list[Group]:
        """Return what the tree shows, for tests."""
        groups = []
        for index in range(self.tree.topLevelItemCount()):
            group_item = self.tree.topLevelItem(index)
            rows = [(group_item.child(row).text(0), group_item.child(row).text(1))
                    for row in range(group_item.childCount())]
            groups.append((group_item.text(0), rows))
        return groups
