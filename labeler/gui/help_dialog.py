"""The shortcut editor (Help > Change shortcuts…): every binding, and rebinding.

Help > Keyboard shortcuts shows the read-only list of `shortcut_list` instead.

Pick a row, press the new key in the key field and choose "Set key". "Save"
checks that no key is bound twice; the caller persists the returned
overrides (only the bindings that differ from the defaults).
"""

from __future__ import annotations

from typing import Mapping

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QKeySequenceEdit,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from labeler.gui import shortcuts

Bindings = dict[str, tuple[QKeySequence, ...]]


class ShortcutsDialog(QDialog):
    """Lists and edits key bindings. Once accepted, `bindings` contains the result."""

    def __init__(self, bindings: Mapping[str, tuple[QKeySequence, ...]],
                 label_names: Mapping[str, str] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Change shortcuts"))
        self.bindings: Bindings = dict(bindings)
        self._label_names = dict(label_names or {})

        self.table = QTableWidget(0, 3)
        self.table.setObjectName("shortcutTable")
        self.table.setHorizontalHeaderLabels([self.tr("Group"), self.tr("Keys"),
                                              self.tr("Action")])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._on_row_selected)

        self.key_edit = QKeySequenceEdit()
        self.key_edit.setObjectName("keyEdit")
        self.key_edit.setEnabled(False)
        self.set_button = QPushButton(self.tr("Set key"))
        self.set_button.setEnabled(False)
        self.set_button.clicked.connect(self._set_selected)
        self.reset_button = QPushButton(self.tr("Restore default"))
        self.reset_button.setEnabled(False)
        self.reset_button.clicked.connect(self._reset_selected)
        self.message_label = QLabel()
        self.message_label.setObjectName("shortcutMessage")
        self.message_label.setWordWrap(True)

        editor = QHBoxLayout()
        editor.addWidget(QLabel(self.tr("New key:")))
        editor.addWidget(self.key_edit, 1)
        editor.addWidget(self.set_button)
        editor.addWidget(self.reset_button)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addLayout(editor)
        layout.addWidget(self.message_label)
        layout.addWidget(buttons)
        self.resize(720, 640)
        self._fill()

    def _fill(self) -> None:
        rows = shortcuts.help_rows(self.bindings, self._label_names)
        self.table.setRowCount(len(rows))
        ids = [shortcut.id for shortcut in shortcuts.SHORTCUTS]
        for row, (group, keys, description) in enumerate(rows):
            for column, text in enumerate((group, keys, description)):
                item = QTableWidgetItem(text)
                # Mouse rows get "" rather than no data: reading back a missing
                # value as None drops a reference to None in PySide6 6.12.
                item.setData(Qt.ItemDataRole.UserRole, ids[row] if row < len(ids) else "")
                self.table.setItem(row, column, item)

    def selected_action_id(self) -> str | None:
        items = self.table.selectedItems()
        action_id = str(items[0].data(Qt.ItemDataRole.UserRole)) if items else ""
        return action_id or None

    def select_action(self, action_id: str) -> None:
        for row in range(self.table.rowCount()):
            if self.table.item(row, 0).data(Qt.ItemDataRole.UserRole) == action_id:
                self.table.selectRow(row)
                return

    def _on_row_selected(self) -> None:
        action_id = self.selected_action_id()
        is_bindable = action_id is not None
        for widget in (self.key_edit, self.set_button, self.reset_button):
            widget.setEnabled(is_bindable)
        if is_bindable:
            current = self.bindings.get(action_id, ())
            self.key_edit.setKeySequence(current[0] if current else QKeySequence())

    def set_binding(self, action_id: str, sequence: QKeySequence) -> None:
        """Bind `action_id` to `sequence` alone (empty removes every key)."""
        self.bindings[action_id] = (sequence,) if not sequence.isEmpty() else ()
        self._refresh(action_id)

    def _set_selected(self) -> None:
        action_id = self.selected_action_id()
        if action_id is not None:
            self.set_binding(action_id, self.key_edit.keySequence())

    def _reset_selected(self) -> None:
        action_id = self.selected_action_id()
        if action_id is not None:
            self.bindings[action_id] = shortcuts.default_bindings()[action_id]
            self._refresh(action_id)

    def _refresh(self, action_id: str) -> None:
        self._fill()
        self.select_action(action_id)
        conflicts = shortcuts.find_conflicts(self.bindings)
        if conflicts:
            key, _ids = sorted(conflicts.items())[0]
            self.message_label.setText(
                self.tr("The key %s is now used twice; change one before saving.") % key)
        else:
            self.message_label.clear()

    def overrides(self) -> dict[str, str]:
        return shortcuts.overrides_from(self.bindings)

    def accept(self) -> None:
        try:
            shortcuts.check_conflicts(self.bindings)
        except shortcuts.ShortcutError as error:
            self.message_label.setText(str(error))
            return
        super().accept()
