"""The main window's actions, menus and label tool bar.

Main-window actions take their keys from the shortcut table
(`labeler.gui.shortcuts`), like the canvas's own actions, so one set of user
overrides rebinds both. Edit and View menu entries reuse the canvas's QAction
objects instead of making second actions on the same keys, which Qt would
treat as ambiguous and fire neither.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterable, Mapping

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QColor, QIcon, QKeySequence, QPixmap
from PySide6.QtWidgets import QMenuBar, QToolBar, QWidget

from labeler.core.model.ontology import Ontology
from labeler.core.policy.roles import Permission
from labeler.gui import shortcuts

if TYPE_CHECKING:
    from labeler.gui.main_window import MainWindow

logger = logging.getLogger(__name__)

# Canvas action ids shown in the Edit and View menus, in menu order.
EDIT_MENU_IDS = ("undo", "redo", None, "copy", "paste", "delete", "select_all")
VIEW_MENU_IDS = ("fit", "zoom_actual", "zoom_in", "zoom_out", None, "hide_shapes")
TOOL_MENU_IDS = ("tool_select", "tool_bbox", "tool_rotated_bbox", "tool_polygon",
                 "tool_polyline", "tool_points", "tool_classification")


@dataclass
class WindowActions:
    """Actions owned by the main window, keyed by shortcut-table id where one exists."""

    switch_project: QAction
    first_asset: QAction
    last_asset: QAction
    edit_shortcuts: QAction
    by_id: dict[str, QAction] = field(default_factory=dict)
    canvas_by_id: dict[str, QAction] = field(default_factory=dict)
    # Enabled by the role's permissions (see `apply_permissions`) and disabled
    # while the window is locked.
    permission_actions: dict[str, QAction] = field(default_factory=dict)

    def all_bindable(self) -> dict[str, QAction]:
        return {**self.canvas_by_id, **self.by_id}


def _action(parent: QWidget, text: str, slot: Callable[[], object],
            object_name: str) -> QAction:
    action = QAction(text, parent)
    action.setObjectName(object_name)
    action.triggered.connect(lambda _checked=False: slot())
    return action


def create_window_actions(window: MainWindow) -> WindowActions:
    """Make the File, Go and Help actions and connect them to `window`."""
    tr = window.tr
    by_id = {
        "next_asset": _action(window, tr("&Next asset"), window.go_next, "next_asset"),
        "previous_asset": _action(window, tr("&Previous asset"), window.go_previous,
                                  "previous_asset"),
        "lock_screen": _action(window, tr("&Lock"), window.lock, "lock_screen"),
        "sign_out": _action(window, tr("Sign &out"), window.sign_out, "sign_out"),
        "help": _action(window, tr("Keyboard &shortcuts"), window.show_shortcut_list,
                        "help"),
        "quit": _action(window, tr("&Quit"), window.close, "quit"),
    }
    # NOTE: the shortcut table has no ids for first and last asset, so these
    # keys are fixed and cannot be rebound from the shortcuts dialog.
    first = _action(window, tr("&First asset"), window.go_first, "first_asset")
    first.setShortcut(QKeySequence("Home"))
    last = _action(window, tr("L&ast asset"), window.go_last, "last_asset")
    last.setShortcut(QKeySequence("End"))
    return WindowActions(
        switch_project=_action(window, tr("&Switch project…"), window.switch_project,
                               "switch_project"),
        first_asset=first,
        last_asset=last,
        edit_shortcuts=_action(window, tr("&Change shortcuts…"), window.show_shortcuts,
                               "edit_shortcuts"),
        by_id=by_id,
        permission_actions=create_permission_actions(window),
    )


def create_permission_actions(window: MainWindow) -> dict[str, QAction]:
    """Make the admin, password and review actions, enabled as the role allows."""
    actions = {action_id: _action(window, text, slot, action_id)
               for action_id, text, slot, _permission in _permission_entries(window)}
    apply_permissions(actions, window)
    return actions


def apply_permissions(actions: Mapping[str, QAction], window: MainWindow) -> None:
    """Enable each permission action only if the window's session has its permission.

    A disabled entry is a convenience, because each slot calls the core, which
    raises PolicyError for a role without the permission.
    """
    tr = window.tr
    for action_id, _text, _slot, permission in _permission_entries(window):
        allowed = permission is None or window.session.can(permission)
        actions[action_id].setEnabled(allowed)
        actions[action_id].setToolTip("" if allowed else tr("Your role does not allow this."))


def _permission_entries(window: MainWindow) -> tuple[
        tuple[str, str, Callable[[], object], Permission | None], ...]:
    tr = window.tr
    return (
        ("admin_console", tr("Admin &console…"), window.open_admin_console,
         Permission.MANAGE),
        ("import_bucket", tr("&Import…"), window.open_import, Permission.IMPORT),
        ("export_annotations", tr("&Export annotations…"), window.open_export,
         Permission.EXPORT),
        ("audit_log", tr("&Audit log…"), window.open_audit_log, Permission.READ_AUDIT),
        ("change_password", tr("Change &password…"), window.change_password, None),
        ("submit_review", tr("&Submit for review"), window.submit_for_review,
         Permission.ANNOTATE),
        ("approve_asset", tr("&Approve"), window.approve_asset, Permission.REVIEW),
        ("reject_asset", tr("&Reject…"), window.reject_asset, Permission.REVIEW),
    )


CANVAS_ACTION_PREFIX = "canvas_"


def index_canvas_actions(canvas_actions: Iterable[QAction]) -> dict[str, QAction]:
    """Key the canvas's actions by shortcut-table id (object name minus "canvas_")."""
    return {action.objectName().removeprefix(CANVAS_ACTION_PREFIX): action
            for action in canvas_actions
            if action.objectName().startswith(CANVAS_ACTION_PREFIX)}


def apply_bindings(actions: Mapping[str, QAction],
                   bindings: Mapping[str, tuple[QKeySequence, ...]]) -> None:
    """Set every action's keys from resolved bindings (defaults plus overrides)."""
    for action_id, action in actions.items():
        if action_id in bindings:
            action.setShortcuts(list(bindings[action_id]))


def build_menus(menu_bar: QMenuBar, actions: WindowActions) -> None:
    """Fill File, Edit, View, Tools, Go, Review, Admin and Help."""
    tr = menu_bar.tr
    permission_actions = actions.permission_actions
    file_menu = menu_bar.addMenu(tr("&File"))
    file_menu.addAction(actions.switch_project)
    file_menu.addAction(actions.by_id["lock_screen"])
    file_menu.addAction(actions.by_id["sign_out"])
    if permission_actions:
        file_menu.addAction(permission_actions["change_password"])
        file_menu.addSeparator()
        file_menu.addAction(permission_actions["import_bucket"])
        file_menu.addAction(permission_actions["export_annotations"])
    file_menu.addSeparator()
    file_menu.addAction(actions.by_id["quit"])

    _add_canvas_menu(menu_bar.addMenu(tr("&Edit")), EDIT_MENU_IDS, actions.canvas_by_id)
    view_menu = menu_bar.addMenu(tr("&View"))
    _add_canvas_menu(view_menu, VIEW_MENU_IDS, actions.canvas_by_id)
    _add_canvas_menu(menu_bar.addMenu(tr("&Tools")), TOOL_MENU_IDS, actions.canvas_by_id)

    go_menu = menu_bar.addMenu(tr("&Go"))
    go_menu.addAction(actions.by_id["next_asset"])
    go_menu.addAction(actions.by_id["previous_asset"])
    go_menu.addSeparator()
    go_menu.addAction(actions.first_asset)
    go_menu.addAction(actions.last_asset)

    if permission_actions:
        review_menu = menu_bar.addMenu(tr("&Review"))
        review_menu.setObjectName("reviewMenu")
        for action_id in ("submit_review", "approve_asset", "reject_asset"):
            review_menu.addAction(permission_actions[action_id])
        admin_menu = menu_bar.addMenu(tr("&Admin"))
        admin_menu.setObjectName("adminMenu")
        admin_menu.addAction(permission_actions["admin_console"])
        admin_menu.addAction(permission_actions["audit_log"])

    help_menu = menu_bar.addMenu(tr("&Help"))
    help_menu.addAction(actions.by_id["help"])
    help_menu.addAction(actions.edit_shortcuts)


def _add_canvas_menu(menu, ids: Iterable[str | None],  # type: ignore[no-untyped-def]
                     canvas_actions: Mapping[str, QAction]) -> None:
    for action_id in ids:
        if action_id is None:
            menu.addSeparator()
        elif action_id in canvas_actions:
            menu.addAction(canvas_actions[action_id])


def _swatch(colour: str) -> QIcon:
    pixmap = QPixmap(14, 14)
    pixmap.fill(QColor(colour))
    return QIcon(pixmap)


def build_label_toolbar(parent: QWidget, ontology: Ontology,
                        on_label: Callable[[str], None]) -> tuple[QToolBar, QActionGroup]:
    """Make a tool bar with one checkable button per label.

    The keys 1-9 belong to the canvas's label actions; these buttons only
    show them in their tool tips, so the keys are not bound twice.
    """
    toolbar = QToolBar(parent.tr("Labels"), parent)
    toolbar.setObjectName("labelToolbar")
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    group = QActionGroup(toolbar)
    group.setExclusive(True)
    for label in ontology.labels:
        text = f"{label.key}  {label.name}" if label.key else label.name
        action = QAction(_swatch(label.color), text, toolbar)
        action.setObjectName(f"label:{label.name}")
        action.setCheckable(True)
        action.setData(label.name)
        key_hint = parent.tr(" (key %s)") % label.key if label.key else ""
        action.setToolTip(parent.tr("Draw with label %s") % label.name + key_hint)
        action.triggered.connect(lambda _checked=False, name=label.name: on_label(name))
        group.addAction(action)
        toolbar.addAction(action)
    if group.actions():
        group.actions()[0].setChecked(True)
    return toolbar, group


def label_names_by_key(ontology: Ontology | None) -> dict[str, str]:
    if ontology is None:
        return {}
    return {label.key: label.name for label in ontology.labels if label.key}


def resolve_user_bindings(overrides: Mapping[str, str]) -> dict[str, tuple[QKeySequence, ...]]:
    """Apply saved overrides; fall back to the defaults when they are invalid."""
    try:
        return shortcuts.resolve_bindings(overrides)
    except shortcuts.ShortcutError as error:
        logger.warning("Saved key bindings are invalid, so the defaults are used: %s", error)
        return shortcuts.default_bindings()
