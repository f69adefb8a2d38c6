"""The shortcut table: defaults, overrides, conflicts and the help text."""

from __future__ import annotations

import re

import pytest
from PySide6.QtGui import QKeySequence

from labeler.gui import shortcuts
from labeler.gui.canvas import AnnotationCanvas
from tests.gui.canvas.helpers import assets, canvas  # noqa: F401 - fixtures

pytestmark = pytest.mark.gui


def test_defaults_have_no_conflicts() -> None:
    assert shortcuts.find_conflicts(shortcuts.default_bindings()) == {}


def test_action_ids_are_unique() -> None:
    ids = [shortcut.id for shortcut in shortcuts.SHORTCUTS]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(
    ("action_id", "keys"),
    [("next_asset", "D"), ("previous_asset", "A"), ("undo", "Ctrl+Z"),
     ("redo", "Ctrl+Shift+Z; Ctrl+Y"), ("fit", "F; Ctrl+0"), ("zoom_actual", "Ctrl+1"),
     ("tool_bbox", "B"), ("repeat_tool", "N"), ("lock_screen", "Ctrl+L"), ("help", "F1"),
     ("label_3", "3")],
)
def test_default_keys(action_id: str, keys: str) -> None:
    bindings = shortcuts.default_bindings()
    assert shortcuts.format_keys(bindings[action_id]) == keys


def test_override_replaces_default() -> None:
    bindings = shortcuts.resolve_bindings({"tool_bbox": "R; Ctrl+R", "tool_polyline": ""})

    assert shortcuts.format_keys(bindings["tool_bbox"]) == "R; Ctrl+R"
    assert bindings["tool_polyline"] == ()


def test_overrides_round_trip() -> None:
    overrides = {"tool_bbox": "R", "fit": "Ctrl+Shift+F"}

    bindings = shortcuts.resolve_bindings(overrides)

    assert shortcuts.overrides_from(bindings) == overrides


def test_conflict_is_a_plain_error() -> None:
    with pytest.raises(shortcuts.ShortcutError,
                       match=r"the key Ctrl\+Z is assigned to both 'Undo' and "
                             r"'Hide or show the shapes'"):
        shortcuts.resolve_bindings({"hide_shapes": "Ctrl+Z"})


def test_unknown_action_is_rejected() -> None:
    with pytest.raises(shortcuts.ShortcutError, match="there is no action 'fly'"):
        shortcuts.resolve_bindings({"fly": "X"})


def test_invalid_key_is_rejected() -> None:
    with pytest.raises(shortcuts.ShortcutError,
                       match=re.escape("'Ctrl+Banana' for 'fit' is not a valid key sequence")):
        shortcuts.resolve_bindings({"fit": "Ctrl+Banana"})


def test_help_lists_every_action_and_gesture() -> None:
    text = shortcuts.help_text(label_names={"1": "person"})

    for shortcut in shortcuts.SHORTCUTS:
        if shortcut.id.startswith("label_"):
            continue
        assert shortcuts.translate(shortcut.description) in text
    assert "Label: person" in text
    assert "Shift+click on a vertex" in text
    assert "Double-click or Alt+click on an edge" in text


def test_canvas_actions_cover_the_canvas_table(canvas: AnnotationCanvas) -> None:
    by_name = {action.objectName(): action for action in canvas.actions()}

    for shortcut in shortcuts.SHORTCUTS:
        name = f"canvas_{shortcut.id}"
        if shortcut.id in shortcuts.MAIN_WINDOW_ACTIONS:
            assert name not in by_name
            continue
        action = by_name[name]
        expected = [QKeySequence(key) for key in shortcut.keys]
        assert action.shortcuts() == expected
    assert by_name["canvas_label_1"].text() == "Label: person"
    assert not by_name["canvas_label_5"].isEnabled()


def test_canvas_applies_overrides(canvas: AnnotationCanvas) -> None:
    canvas.apply_shortcuts({"tool_bbox": "R"})

    action = next(a for a in canvas.actions() if a.objectName() == "canvas_tool_bbox")
    assert action.shortcut() == QKeySequence("R")
    assert "person" in canvas.help_text()
