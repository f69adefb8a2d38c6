"""The shortcut editor rebinds keys and persists overrides; the help lists keys by view."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QKeySequence

from labeler.gui import shortcuts
from labeler.gui.help_dialog import ShortcutsDialog
from labeler.gui.shortcut_list import ShortcutListDialog

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


def test_help_lists_keys_by_view(qtbot, demo_workspace, open_window, monkeypatch) -> None:
    """Help > Keyboard shortcuts is a read-only list; the editor is a separate entry."""
    window = open_window(demo_workspace, "anna")
    shown: list[ShortcutListDialog] = []

    def record(dialog: ShortcutListDialog) -> int:
        qtbot.addWidget(dialog)
        shown.append(dialog)
        return 0

    monkeypatch.setattr(ShortcutListDialog, "exec", record)
    window.menu_actions.by_id["help"].trigger()

    [dialog] = shown
    groups = dict(dialog.groups())
    assert list(groups) == ["Main window (anywhere)", "Image canvas", "Text view",
                            "Video view"]
    assert ("D", "Next asset") in groups["Main window (anywhere)"]
    assert ("Ctrl+Shift+L", "Sign out") in groups["Main window (anywhere)"]
    assert ("B", "Draw boxes") in groups["Image canvas"]
    assert ("1", "Label: person") in groups["Image canvas"]
    assert ("R", "Relation: mark the source, then the target") in groups["Text view"]
    assert ("Esc", "Cancel") in groups["Text view"]
    assert ("F; Right", "Next frame") in groups["Video view"]
    assert ("S", "Select and edit (moved in the video view)") in groups["Video view"]
    assert dialog.tree.editTriggers() == dialog.tree.EditTrigger.NoEditTriggers
    assert not hasattr(dialog, "key_edit")


def test_change_shortcuts_opens_editor(qtbot, demo_workspace, open_window,
                                       monkeypatch) -> None:
    window = open_window(demo_workspace, "anna")
    opened: list[str] = []
    monkeypatch.setattr(ShortcutsDialog, "exec",
                        lambda dialog: opened.append(dialog.windowTitle()) or 0)

    window.menu_actions.edit_shortcuts.trigger()

    assert opened == ["Change shortcuts"]


def test_go_menu_shows_asset_keys(qtbot, demo_workspace, open_window) -> None:
    window = open_window(demo_workspace, "anna")
    [go_menu] = [action.menu() for action in window.menuBar().actions()
                 if action.text() == "&Go"]
    keys = {action.objectName(): action.shortcut().toString()
            for action in go_menu.actions() if not action.isSeparator()}

    assert keys["next_asset"] == "D"
    assert keys["previous_asset"] == "A"
    assert all(action.isVisible() for action in go_menu.actions())
