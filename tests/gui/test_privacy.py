"""What each role can see in the window, and what can reach the clipboard."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QAbstractListModel, QModelIndex, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from labeler.core.policy.fields import Visibility
from labeler.gui.asset_model import AssetListModel
from labeler.gui.main_window import MainWindow
from tests.gui.test_main_window import asset_id_of, show_and_wait

pytestmark = pytest.mark.gui

CT_PATH = "scans/CT_small.dcm"
ROLES = [int(role) for role in Qt.ItemDataRole] + [
    int(Qt.ItemDataRole.UserRole) + offset for offset in range(1, 10)]


def model_texts(model, parent: QModelIndex = QModelIndex()) -> list[str]:  # type: ignore[no-untyped-def]
    """Every value the model holds, in every role.

    Qt's own models are read through itemData(), which lists the roles that
    have values, because in PySide6 6.12 each data() call that returns no
    value drops a reference to None and crashes Python after a few thousand.
    Our Python model is asked role by role, which calls Python directly.
    """
    texts = []
    is_python_list = isinstance(model, AssetListModel)
    # QAbstractListModel makes columnCount private in PySide6; it has one column.
    columns = 1 if isinstance(model, QAbstractListModel) else model.columnCount(parent)
    for row in range(model.rowCount(parent)):
        for column in range(columns):
            index = model.index(row, column, parent)
            if is_python_list:
                values = [model.data(index, role) for role in ROLES]
            else:
                values = list(model.itemData(index).values())
            texts += [str(value) for value in values if value is not None]
            if columns > 1 and model.hasChildren(index):
                texts += model_texts(model, index)
    for column in range(columns):
        header = model.headerData(column, Qt.Orientation.Horizontal,
                                  Qt.ItemDataRole.DisplayRole)
        if header is not None:
            texts.append(str(header))
    return texts


def window_texts(window: MainWindow) -> list[str]:
    """Every text a user could see or reach in the window, tool tips included."""
    texts = [window.windowTitle(), window.statusBar().currentMessage()]
    for widget in [window, *window.findChildren(QWidget)]:
        texts += [widget.toolTip(), widget.statusTip(), widget.whatsThis(),
                  widget.windowTitle(), widget.accessibleName(),
                  widget.accessibleDescription()]
        if isinstance(widget, (QLabel, QLineEdit, QAbstractButton)):
            texts.append(widget.text())
        if isinstance(widget, (QTextEdit, QPlainTextEdit)):
            texts.append(widget.toPlainText())
        if isinstance(widget, QComboBox):
            texts += [widget.itemText(index) for index in range(widget.count())]
        if isinstance(widget, QAbstractItemView) and widget.model() is not None:
            texts += model_texts(widget.model())
    for action in window.findChildren(QAction):
        texts += [action.text(), action.toolTip(), action.statusTip()]
    scene = window.canvas.view().scene()
    for item in scene.items():
        for attribute in ("text", "toolTip"):
            getter = getattr(item, attribute, None)
            if callable(getter):
                try:
                    texts.append(str(getter()))
                except TypeError:
                    continue
    return [text for text in texts if text]


def admin_fields(workspace, asset_path: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    admin = workspace.sign_in("admin")
    try:
        project = admin.open_project(workspace.project_id)
        asset = project.find_asset(asset_path)
        return {view.name: view.value or "" for view in project.fields_for_user(asset.id)}
    finally:
        admin.lock()


def role_fields(window: MainWindow, asset_id: int) -> dict[str, tuple[Visibility, str | None]]:
    assert window.project is not None
    return {view.name: (view.visibility, view.value)
            for view in window.project.fields_for_user(asset_id)}


def is_distinctive(value: str) -> bool:
    """Long enough, and not only digits and punctuation, to search for as text."""
    return len(value) >= 5 and any(character.isalpha() for character in value)


def test_annotator_sees_no_hidden_field_reviewer_sees_mask(qtbot, demo_workspace,
                                                          open_window) -> None:
    full = admin_fields(demo_workspace, CT_PATH)
    patient = full["dicom.PatientName"]
    assert is_distinctive(patient)

    reviewer = open_window(demo_workspace, "rita")
    ct = asset_id_of(reviewer, CT_PATH)
    show_and_wait(qtbot, reviewer, ct)
    reviewer_view = role_fields(reviewer, ct)
    assert reviewer_view["dicom.PatientName"][0] == Visibility.MASKED
    masked_patient = reviewer_view["dicom.PatientName"][1]
    assert masked_patient
    reviewer_texts = window_texts(reviewer)
    assert masked_patient in reviewer_texts, "the walk must find what the reviewer sees"
    assert not any(patient in text for text in reviewer_texts)
    reviewer.close()

    annotator = open_window(demo_workspace, "anna")
    show_and_wait(qtbot, annotator, ct)
    annotator_view = role_fields(annotator, ct)
    assert annotator_view["dicom.PatientName"] == (Visibility.HIDDEN, None)
    texts = window_texts(annotator)
    assert "dicom.PatientName" in texts, "the field is listed, as hidden"
    assert masked_patient not in texts
    hidden = [full[name] for name, (visibility, _value) in annotator_view.items()
              if visibility == Visibility.HIDDEN and is_distinctive(full.get(name, ""))]
    assert patient in hidden
    for value in hidden:
        leaks = [text for text in texts if value in text]
        assert not leaks, f"a hidden value is shown: {leaks!r}"


def test_no_field_value_reaches_clipboard(qtbot, demo_workspace, open_window) -> None:
    window = open_window(demo_workspace, "rita")
    ct = asset_id_of(window, CT_PATH)
    show_and_wait(qtbot, window, ct)
    values = [value for _visibility, value in role_fields(window, ct).values()
              if value and len(value) >= 2]
    assert values
    clipboard = QApplication.clipboard()

    # The check below only means something if Ctrl+C reaches the clipboard here.
    probe = QLineEdit("clipboard works")
    qtbot.addWidget(probe)
    probe.show()
    probe.setFocus()
    qtbot.keyClick(probe, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(probe, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert clipboard.text() == "clipboard works"

    clipboard.setText("sentinel")
    panel = window.fields_panel
    targets = [panel.tree, panel.tree.viewport(), panel.summary_label, panel.notes_label,
               panel, window.browser.view, window.browser.view.viewport(),
               window.canvas.viewport_widget(), window]
    window.activateWindow()
    for target in targets:
        target.setFocus()
        for key in (Qt.Key.Key_A, Qt.Key.Key_C, Qt.Key.Key_X):
            qtbot.keyClick(target, key, Qt.KeyboardModifier.ControlModifier)
        copied = clipboard.text()
        assert not any(value in copied for value in values), (target, copied)

    assert panel.tree.contextMenuPolicy() == Qt.ContextMenuPolicy.NoContextMenu
    assert panel.tree.selectionMode() == QAbstractItemView.SelectionMode.NoSelection
    assert not panel.tree.dragEnabled()
    for label in (panel.summary_label, panel.notes_label):
        assert label.textInteractionFlags() == Qt.TextInteractionFlag.NoTextInteraction
