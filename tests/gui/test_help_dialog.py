"""The shortcuts dialog: lists the table, rebinds keys, persists overrides."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QKeySequence

from labeler.gui import shortcuts
from labeler.gui.help_dialog import ShortcutsDialog

pytestmark = pytest.mark.gui


def test_dialog_lists_every_shortcut(qtbot) -> None:
    dialog = ShortcutsDialog(shortcuts.default_bindings(), {"1": "person"})
    qtbot.addWidget(dialog)

    rows = dialog.table.rowCount()

    assert rows == len(shortcuts.SHORTCUTS) + len(shortcuts.MOUSE_HELP)
    descriptions = [dialog.table.item(row, 2).text() for row in range(rows)]
    assert "Next asset" in descriptions
    assert "Label: person" in descriptions


def test_rebinding_returns_override(qtbot) -> None:
    dialog = ShortcutsDialog(shortcuts.default_bindings())
    qtbot.addWidget(dialog)

    dialog.select_action("next_asset")
    dialog.key_edit.setKeySequence(QKeySequence("J"))
    dialog.set_button.click()

    assert dialog.overrides() == {"next_asset": "J"}


def test_conflicting_key_blocks_save(qtbot) -> None:
    dialog = ShortcutsDialog(shortcuts.default_bindings())
    qtbot.addWidget(dialog)

    dialog.set_binding("next_asset", QKeySequence("A"))
    dialog.accept()

    assert dialog.result() != ShortcutsDialog.DialogCode.Accepted
    assert "A" in dialog.message_label.text()


def test_window_applies_and_persists_override(qtbot, demo_workspace, open_window,
                                              client_settings, monkeypatch) -> None:
    window = open_window(demo_workspace, "anna")

    def accept_with_j(dialog: ShortcutsDialog) -> int:
        dialog.set_binding("next_asset", QKeySequence("J"))
        dialog.set_binding("undo", QKeySequence("Ctrl+U"))
        return ShortcutsDialog.DialogCode.Accepted

    monkeypatch.setattr(ShortcutsDialog, "exec", accept_with_j)
    window.show_shortcuts()

    assert client_settings.shortcut_overrides() == {"next_asset": "J", "undo": "Ctrl+U"}
    next_action = window.menu_actions.by_id["next_asset"]
    assert next_action.shortcut().toString() == "J"
    assert window.menu_actions.canvas_by_id["undo"].shortcut().toString() == "Ctrl+U"

    second = open_window(demo_workspace, "rita")
    assert second.menu_actions.by_id["next_asset"].shortcut().toString() == "J"
