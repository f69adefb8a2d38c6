"""Keyboard shortcuts of the canvas and the main window, in one table.

Where the defaults come from:
- labelme (`labelme/config/default_config.yaml`): D next image, A previous
  image, Ctrl+Z undo, Delete, Backspace removes a point, Ctrl+= and Ctrl+-
  zoom.
- CVAT (`cvat-ui` key map): N repeats the last drawing tool, and Ctrl+V
  pastes from the application's own clipboard.
- Common desktop conventions: Ctrl+C, Ctrl+V, Ctrl+Shift+Z and Ctrl+Y redo,
  Esc cancels, F1 help, Ctrl+Q quit.
- Our own choice, one letter per tool: V select, B bbox, O rotated box,
  P polygon, L polyline, T points, K classification. Also F and Ctrl+0 fit,
  Ctrl+1 actual size (100%), H hides shapes, Ctrl+L locks the screen and
  Ctrl+Shift+L signs out.

labelme binds Ctrl+0 to actual size. Here Ctrl+0 fits and Ctrl+1 is actual
size, so that the two zoom resets sit on neighbouring keys.

Users may rebind any action. Their choices travel as a plain `dict[str, str]`
of action id to key sequences in Qt's portable text ("Ctrl+Y; Ctrl+Shift+Z",
empty for none), which the caller persists; key bindings are not content, so
QSettings is a fine place for them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from PySide6.QtCore import QCoreApplication, QT_TRANSLATE_NOOP, Qt
from PySide6.QtGui import QKeySequence

_CONTEXT: Final = "shortcuts"


@dataclass(frozen=True)
class Shortcut:
    """One bindable action: its id, default key sequences, help text and group."""

    id: str
    keys: tuple[str, ...]
    description: str
    group: str


class ShortcutError(ValueError):
    """A key binding is invalid, names an unknown action or is used twice."""


_NAVIGATION = QT_TRANSLATE_NOOP("shortcuts", "Navigation")
_EDIT = QT_TRANSLATE_NOOP("shortcuts", "Edit")
_TOOLS = QT_TRANSLATE_NOOP("shortcuts", "Tools")
_DRAW = QT_TRANSLATE_NOOP("shortcuts", "Drawing")
_VIEW = QT_TRANSLATE_NOOP("shortcuts", "View")
_LABELS = QT_TRANSLATE_NOOP("shortcuts", "Labels")
_APP = QT_TRANSLATE_NOOP("shortcuts", "Application")

SHORTCUTS: Final[tuple[Shortcut, ...]] = (
    # Main window actions; the canvas does not create these.
    Shortcut("next_asset", ("D",), QT_TRANSLATE_NOOP("shortcuts", "Next asset"), _NAVIGATION),
    Shortcut("previous_asset", ("A",),
         QT_TRANSLATE_NOOP("shortcuts", "Previous asset"), _NAVIGATION),
    Shortcut("lock_screen", ("Ctrl+L",),
         QT_TRANSLATE_NOOP("shortcuts", "Lock the screen"), _APP),
    Shortcut("sign_out", ("Ctrl+Shift+L",),
         QT_TRANSLATE_NOOP("shortcuts", "Sign out, so that anyone can sign in"), _APP),
    Shortcut("help", ("F1",), QT_TRANSLATE_NOOP("shortcuts", "Show keyboard shortcuts"), _APP),
    Shortcut("quit", ("Ctrl+Q",), QT_TRANSLATE_NOOP("shortcuts", "Quit"), _APP),
    # Canvas: editing.
    Shortcut("undo", ("Ctrl+Z",), QT_TRANSLATE_NOOP("shortcuts", "Undo"), _EDIT),
    Shortcut("redo", ("Ctrl+Shift+Z", "Ctrl+Y"), QT_TRANSLATE_NOOP("shortcuts", "Redo"), _EDIT),
    Shortcut("copy", ("Ctrl+C",),
         QT_TRANSLATE_NOOP("shortcuts", "Copy the selected shapes"), _EDIT),
    Shortcut("paste", ("Ctrl+V",),
         QT_TRANSLATE_NOOP("shortcuts", "Paste shapes (works across assets)"), _EDIT),
    Shortcut("delete", ("Delete",),
         QT_TRANSLATE_NOOP("shortcuts", "Delete the selected shapes"), _EDIT),
    Shortcut("select_all", ("Ctrl+A",),
         QT_TRANSLATE_NOOP("shortcuts", "Select every shape"), _EDIT),
    Shortcut("nudge_left", ("Left",),
         QT_TRANSLATE_NOOP("shortcuts", "Move the selection 1 pixel left"), _EDIT),
    Shortcut("nudge_right", ("Right",),
         QT_TRANSLATE_NOOP("shortcuts", "Move the selection 1 pixel right"), _EDIT),
    Shortcut("nudge_up", ("Up",),
         QT_TRANSLATE_NOOP("shortcuts", "Move the selection 1 pixel up"), _EDIT),
    Shortcut("nudge_down", ("Down",),
         QT_TRANSLATE_NOOP("shortcuts", "Move the selection 1 pixel down"), _EDIT),
    Shortcut("nudge_left_10", ("Shift+Left",),
         QT_TRANSLATE_NOOP("shortcuts", "Move the selection 10 pixels left"), _EDIT),
    Shortcut("nudge_right_10", ("Shift+Right",),
         QT_TRANSLATE_NOOP("shortcuts", "Move the selection 10 pixels right"), _EDIT),
    Shortcut("nudge_up_10", ("Shift+Up",),
         QT_TRANSLATE_NOOP("shortcuts", "Move the selection 10 pixels up"), _EDIT),
    Shortcut("nudge_down_10", ("Shift+Down",),
         QT_TRANSLATE_NOOP("shortcuts", "Move the selection 10 pixels down"), _EDIT),
    # Canvas: tools.
    Shortcut("tool_select", ("V",), QT_TRANSLATE_NOOP("shortcuts", "Select and edit"), _TOOLS),
    Shortcut("tool_bbox", ("B",), QT_TRANSLATE_NOOP("shortcuts", "Draw boxes"), _TOOLS),
    Shortcut("tool_rotated_bbox", ("O",),
         QT_TRANSLATE_NOOP("shortcuts", "Draw rotated boxes"), _TOOLS),
    Shortcut("tool_polygon", ("P",), QT_TRANSLATE_NOOP("shortcuts", "Draw polygons"), _TOOLS),
    Shortcut("tool_polyline", ("L",), QT_TRANSLATE_NOOP("shortcuts", "Draw polylines"), _TOOLS),
    Shortcut("tool_points", ("T",), QT_TRANSLATE_NOOP("shortcuts", "Place points"), _TOOLS),
    Shortcut("tool_classification", ("K",),
         QT_TRANSLATE_NOOP("shortcuts", "Classify the whole image"), _TOOLS),
    Shortcut("repeat_tool", ("N",),
         QT_TRANSLATE_NOOP("shortcuts", "Return to the last drawing tool"), _TOOLS),
    # Canvas: while drawing.
    Shortcut("finish_shape", ("Return", "Enter"),
         QT_TRANSLATE_NOOP("shortcuts", "Finish the polygon, polyline or points"), _DRAW),
    Shortcut("remove_last_vertex", ("Backspace",),
         QT_TRANSLATE_NOOP("shortcuts", "Remove the last point while drawing"), _DRAW),
    Shortcut("cancel", ("Esc",),
         QT_TRANSLATE_NOOP(
             "shortcuts",
             "Cancel drawing, else clear the selection, else switch to Select"),
         _DRAW),
    # Canvas: view.
    Shortcut("fit", ("F", "Ctrl+0"), QT_TRANSLATE_NOOP("shortcuts", "Fit the image"), _VIEW),
    Shortcut("zoom_actual", ("Ctrl+1",),
         QT_TRANSLATE_NOOP("shortcuts", "Actual size (100%)"), _VIEW),
    Shortcut("zoom_in", ("+", "=", "Ctrl+="), QT_TRANSLATE_NOOP("shortcuts", "Zoom in"), _VIEW),
    Shortcut("zoom_out", ("-", "Ctrl+-"), QT_TRANSLATE_NOOP("shortcuts", "Zoom out"), _VIEW),
    Shortcut("hide_shapes", ("H",),
         QT_TRANSLATE_NOOP("shortcuts", "Hide or show the shapes"), _VIEW),
    # Canvas: labels by the ontology's keys 1 to 9.
    *(
        Shortcut(f"label_{digit}", (str(digit),),
             QT_TRANSLATE_NOOP("shortcuts", "Label with key %1"), _LABELS)
        for digit in range(1, 10)
    ),
)

MAIN_WINDOW_ACTIONS: Final = frozenset(
    {"next_asset", "previous_asset", "lock_screen", "sign_out", "help", "quit"}
)

# Mouse gestures are fixed; they are listed in the help next to the keys.
MOUSE_HELP: Final[tuple[tuple[str, str], ...]] = (
    (QT_TRANSLATE_NOOP("shortcuts", "Wheel"),
     QT_TRANSLATE_NOOP("shortcuts", "Zoom around the cursor")),
    (QT_TRANSLATE_NOOP("shortcuts", "Shift+Wheel, horizontal wheel"),
     QT_TRANSLATE_NOOP("shortcuts", "Pan")),
    (QT_TRANSLATE_NOOP("shortcuts", "Middle drag, Space+drag"),
     QT_TRANSLATE_NOOP("shortcuts", "Pan")),
    (QT_TRANSLATE_NOOP("shortcuts", "Click, Shift+click, Ctrl+click"),
     QT_TRANSLATE_NOOP("shortcuts", "Select a shape, add to or toggle the selection")),
    (QT_TRANSLATE_NOOP("shortcuts", "Drag on empty image"),
     QT_TRANSLATE_NOOP("shortcuts", "Select the shapes inside a rubber band")),
    (QT_TRANSLATE_NOOP("shortcuts", "Drag a shape or a handle"),
     QT_TRANSLATE_NOOP("shortcuts", "Move it, resize a box, move a vertex, rotate")),
    (QT_TRANSLATE_NOOP("shortcuts", "Double-click or Alt+click on an edge"),
     QT_TRANSLATE_NOOP("shortcuts", "Add a vertex to the selected polygon or polyline")),
    (QT_TRANSLATE_NOOP("shortcuts", "Shift+click on a vertex"),
     QT_TRANSLATE_NOOP("shortcuts", "Delete that vertex of the selected shape")),
    (QT_TRANSLATE_NOOP("shortcuts", "Right drag"),
     QT_TRANSLATE_NOOP(
         "shortcuts",
         "Window/level on 16-bit images: left-right sets width, up-down sets centre")),
)

_BY_ID: Final = {shortcut.id: shortcut for shortcut in SHORTCUTS}

Bindings = dict[str, tuple[QKeySequence, ...]]


def translate(text: str) -> str:
    return QCoreApplication.translate(_CONTEXT, text)


def describe(shortcut: Shortcut, label_names: Mapping[str, str] | None = None) -> str:
    """Return the translated description; label slots name their label if known."""
    text = translate(shortcut.description)
    if shortcut.id.startswith("label_"):
        digit = shortcut.id.removeprefix("label_")
        name = (label_names or {}).get(digit)
        text = text.replace("%1", digit)
        if name:
            text = translate("Label: %1").replace("%1", name)
    return text


def parse_keys(text: str, action_id: str = "") -> tuple[QKeySequence, ...]:
    """Parse "Ctrl+Y; Ctrl+Shift+Z" into key sequences; "" means none.

    Raises:
        ShortcutError: some part is not a key sequence Qt understands.
    """
    sequences = []
    for part in text.split(";"):
        part = part.strip()
        if not part:
            continue
        sequence = QKeySequence.fromString(part, QKeySequence.SequenceFormat.PortableText)
        is_valid = sequence.count() > 0 and all(
            sequence[index].key() != Qt.Key.Key_unknown for index in range(sequence.count())
        )
        if not is_valid:
            where = f" for {action_id!r}" if action_id else ""
            raise ShortcutError(
                f"{part!r}{where} is not a valid key sequence; write keys like "
                "'Ctrl+Shift+Z' and separate several with ';'"
            )
        sequences.append(sequence)
    return tuple(sequences)


def format_keys(sequences: tuple[QKeySequence, ...], *, native: bool = False) -> str:
    """Return key sequences as "Ctrl+Y; Ctrl+Shift+Z" (portable or native text)."""
    text_format = (
        QKeySequence.SequenceFormat.NativeText
        if native
        else QKeySequence.SequenceFormat.PortableText
    )
    return "; ".join(sequence.toString(text_format) for sequence in sequences)


def default_bindings() -> Bindings:
    return {
        shortcut.id: tuple(QKeySequence(key) for key in shortcut.keys)
        for shortcut in SHORTCUTS
    }


def resolve_bindings(overrides: Mapping[str, str] | None = None) -> Bindings:
    """Return the defaults with the user's overrides applied.

    Raises:
        ShortcutError: an override names an unknown action, is not a valid key
            sequence, or two actions end up on the same key.
    """
    bindings = default_bindings()
    for action_id, text in (overrides or {}).items():
        if action_id not in _BY_ID:
            raise ShortcutError(
                f"there is no action {action_id!r} to bind; remove it from the "
                "shortcut settings"
            )
        bindings[action_id] = parse_keys(text, action_id)
    check_conflicts(bindings)
    return bindings


def overrides_from(bindings: Mapping[str, tuple[QKeySequence, ...]]) -> dict[str, str]:
    """Return only the bindings that differ from the defaults, for the caller to persist."""
    defaults = default_bindings()
    return {
        action_id: format_keys(tuple(sequences))
        for action_id, sequences in bindings.items()
        if format_keys(tuple(sequences)) != format_keys(defaults.get(action_id, ()))
    }


def find_conflicts(bindings: Mapping[str, tuple[QKeySequence, ...]]) -> dict[str, list[str]]:
    """Return {key text: [action ids]} for every key bound to more than one action."""
    users: defaultdict[str, list[str]] = defaultdict(list)
    for action_id, sequences in bindings.items():
        for sequence in sequences:
            key_text = sequence.toString(QKeySequence.SequenceFormat.PortableText)
            if action_id not in users[key_text]:
                users[key_text].append(action_id)
    return {key: ids for key, ids in users.items() if len(ids) > 1}


def check_conflicts(bindings: Mapping[str, tuple[QKeySequence, ...]]) -> None:
    """Raise ShortcutError naming the first key bound to two actions."""
    conflicts = find_conflicts(bindings)
    if not conflicts:
        return
    key, action_ids = sorted(conflicts.items())[0]
    names = " and ".join(f"'{describe(_BY_ID[action_id])}'" for action_id in action_ids)
    raise ShortcutError(
        f"the key {key} is assigned to both {names}; give one of them another key"
    )


def help_rows(
    bindings: Mapping[str, tuple[QKeySequence, ...]] | None = None,
    label_names: Mapping[str, str] | None = None,
) -> list[tuple[str, str, str]]:
    """Return (group, keys, description) rows: every shortcut, then the mouse gestures.

    `label_names` maps a label key ("1") to its label name, so the label rows
    say which label each key picks.
    """
    bindings = bindings if bindings is not None else default_bindings()
    rows = []
    for shortcut in SHORTCUTS:
        keys = format_keys(bindings.get(shortcut.id, ()), native=True)
        rows.append((translate(shortcut.group), keys or translate("(none)"),
                     describe(shortcut, label_names)))
    for gesture, description in MOUSE_HELP:
        rows.append((translate("Mouse"), translate(gesture), translate(description)))
    return rows


def help_text(
    bindings: Mapping[str, tuple[QKeySequence, ...]] | None = None,
    label_names: Mapping[str, str] | None = None,
) -> str:
    """Return every shortcut and mouse gesture as plain text, one group per block."""
    rows = help_rows(bindings, label_names)
    width = max(len(keys) for _group, keys, _description in rows)
    blocks: list[str] = []
    current_group = None
    for group, keys, description in rows:
        if group != current_group:
            blocks.append(f"\n{group}" if blocks else group)
            current_group = group
        blocks.append(f"  {keys.ljust(width)}  {description}")
    return "\n".join(blocks) + "\n"
