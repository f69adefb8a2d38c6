"""Choose one of the projects the signed-in user may open."""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from labeler.core.session import Session


class ProjectPickerDialog(QDialog):
    """Lists `session.projects()` only; `project_id` is set once accepted."""

    def __init__(self, projects: list[dict[str, Any]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Open a project"))
        self.project_id: str | None = None

        self.list_widget = QListWidget()
        for project in projects:
            item = QListWidgetItem(f"{project['name']}  ({project['id']})")
            item.setData(Qt.ItemDataRole.UserRole, project["id"])
            self.list_widget.addItem(item)
        if projects:
            self.list_widget.setCurrentRow(0)
        self.list_widget.itemActivated.connect(lambda _item: self.accept())

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("Projects of your teams:")))
        layout.addWidget(self.list_widget)
        layout.addWidget(buttons)

    def accept(self) -> None:
        item = self.list_widget.currentItem()
        if item is None:
            return
        self.project_id = str(item.data(Qt.ItemDataRole.UserRole))
        super().accept()


PickerFactory = Callable[[list[dict[str, Any]], QWidget | None], ProjectPickerDialog]


def choose_project(session: Session, parent: QWidget | None = None,
                   make_dialog: PickerFactory = ProjectPickerDialog) -> str | None:
    """Return the project to open: the only one directly, else the user's choice.

    Returns None when the user has no project or cancels.
    """
    projects = session.projects()
    if len(projects) == 1:
        return str(projects[0]["id"])
    if not projects:
        return None
    dialog = make_dialog(projects, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.project_id
