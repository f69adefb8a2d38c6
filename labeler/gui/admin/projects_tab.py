"""The Projects tab: create projects, register buckets, edit field policies.

A project is created from an ontology TOML file and a field-policy TOML file
(the formats `labeler project create` reads). Saving a changed field policy
goes through `change_field_policy`, which re-encrypts every stored value
under the classes the new policy names. The tab shows how many it rewrote.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from labeler.core import admin
from labeler.core.errors import ConfigError
from labeler.core.model.ontology import load_ontology
from labeler.core.policy.fields import FieldPolicy, FieldRule, load_field_policy
from labeler.core.workspace import known_roles
from labeler.gui.admin.common import (
    AdminServices,
    FormDialog,
    SelectableTableWidget,
    checkbox_column,
    translate,
)
from labeler.gui.admin.policy_editor import DEFAULT_PATTERN, FieldPolicyEditor

logger = logging.getLogger(__name__)

TOML_FILTER = "TOML files (*.toml);;All files (*)"


class CreateProjectDialog(FormDialog):
    """Name, ontology file, field-policy file and teams of a new project."""

    def __init__(
        self, services: AdminServices, teams: list[str], parent: QWidget | None = None
    ) -> None:
        super().__init__(self.tr("New project"), self.tr("Create project"), parent)
        self._services = services
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("newProjectName")
        self.ontology_edit = QLineEdit()
        self.ontology_edit.setObjectName("ontologyFile")
        self.policy_edit = QLineEdit()
        self.policy_edit.setObjectName("policyFile")
        teams_box, self.team_checks = checkbox_column(teams, "team")
        self.form.addRow(self.tr("Project name"), self.name_edit)
        self.form.addRow(
            self.tr("Ontology (TOML)"),
            self._file_row(self.ontology_edit, self.tr("Choose the ontology")),
        )
        self.form.addRow(
            self.tr("Field policy (TOML)"),
            self._file_row(self.policy_edit, self.tr("Choose the field policy")),
        )
        self.form.addRow(self.tr("Teams"), teams_box)
        self.setMinimumWidth(560)

    def _file_row(self, edit: QLineEdit, caption: str) -> QWidget:
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(edit, 1)
        browse = QPushButton(self.tr("Browse…"))
        browse.setAutoDefault(False)
        browse.clicked.connect(lambda _checked=False: self._browse(edit, caption))
        layout.addWidget(browse)
        return row

    def _browse(self, edit: QLineEdit, caption: str) -> None:
        chosen = self._services.dialogs.choose_open_file(self, caption, TOML_FILTER)
        if chosen is not None:
            edit.setText(str(chosen))

    def chosen_teams(self) -> list[str]:
        return [name for name, check in self.team_checks.items() if check.isChecked()]


def build_save_policy_box(parent: QWidget | None, project_id: str) -> QMessageBox:
    """Return the confirmation for saving a field policy; Cancel is the default."""
    box = QMessageBox(
        QMessageBox.Icon.Question,
        translate("Save field policy"),
        translate(
            "Save the field policy of %s and re-encrypt every stored field value?"
        )
        % project_id,
        QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Cancel,
        parent,
    )
    box.setInformativeText(
        translate(
            "Roles the new policy lets see a field read it from their next sign-in. "
            "Hiding a field again later does not take back what was already seen."
        )
    )
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    return box


class ProjectsTab(QWidget):
    """Projects, their buckets and their field policies."""

    changed = Signal()

    def __init__(self, services: AdminServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.projects_table = SelectableTableWidget(
            [self.tr("Project"), self.tr("Name"), self.tr("Teams")]
        )
        self.projects_table.setObjectName("projectsTable")
        self.projects_table.itemSelectionChanged.connect(self._show_selected)
        new_button = self._button(
            self.tr("New project…"), "newProject", self.create_project
        )
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.projects_table)
        left_layout.addWidget(new_button)

        self.buckets_table = SelectableTableWidget(
            [self.tr("Bucket"), self.tr("Folder"), self.tr("Metadata CSV")]
        )
        self.buckets_table.setObjectName("bucketsTable")
        self.csv_name_edit = QLineEdit("metadata.csv")
        self.csv_name_edit.setObjectName("bucketCsvName")
        self.add_bucket_button = self._button(
            self.tr("Add bucket folder…"), "addBucket", self.add_bucket
        )
        bucket_row = QHBoxLayout()
        bucket_row.addWidget(QLabel(self.tr("Metadata CSV name")))
        bucket_row.addWidget(self.csv_name_edit)
        bucket_row.addStretch(1)
        bucket_row.addWidget(self.add_bucket_button)
        buckets_group = QGroupBox(self.tr("Buckets (mounted folders)"))
        buckets_layout = QVBoxLayout(buckets_group)
        buckets_layout.addWidget(self.buckets_table)
        buckets_layout.addLayout(bucket_row)

        self.policy_editor = FieldPolicyEditor()
        policy_buttons = QHBoxLayout()
        policy_buttons.addWidget(
            self._button(
                self.tr("Add field rule"), "addRule", self.policy_editor.add_rule
            )
        )
        policy_buttons.addWidget(
            self._button(
                self.tr("Remove field rule"),
                "removeRule",
                self.policy_editor.remove_selected_rule,
            )
        )
        policy_buttons.addStretch(1)
        policy_buttons.addWidget(
            self._button(self.tr("Revert"), "revertPolicy", self._show_selected)
        )
        self.save_policy_button = self._button(
            self.tr("Save policy…"), "savePolicy", self.save_policy
        )
        policy_buttons.addWidget(self.save_policy_button)
        policy_group = QGroupBox(self.tr("Field policy: who sees each metadata field"))
        policy_layout = QVBoxLayout(policy_group)
        policy_layout.addWidget(self.policy_editor)
        policy_layout.addLayout(policy_buttons)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(buckets_group, 2)
        right_layout.addWidget(policy_group, 5)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([260, 900])

        self.status_label = QLabel()
        self.status_label.setObjectName("projectsStatus")
        self.status_label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.status_label)
        self.refresh()

    def _button(self, text: str, name: str, slot: Any) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setAutoDefault(False)
        button.clicked.connect(lambda _checked=False: slot())
        return button

    @property
    def manifest(self) -> dict[str, Any]:
        return self.services.session.workspace.manifest

    def selected_project(self) -> str:
        return self.projects_table.selected_key()

    def select_project(self, project_id: str) -> bool:
        return self.projects_table.select_key(project_id)

    def refresh(self) -> None:
        selected = self.selected_project()
        rows = [
            [project_id, str(project["name"]), ", ".join(project.get("teams", []))]
            for project_id, project in sorted(self.manifest["projects"].items())
        ]
        self.projects_table.set_rows(rows)
        if not (selected and self.select_project(selected)) and rows:
            self.select_project(rows[0][0])
        self._show_selected()

    def _show_selected(self) -> None:
        project_id = self.selected_project()
        has_project = bool(project_id)
        for widget in (
            self.add_bucket_button,
            self.save_policy_button,
            self.policy_editor,
        ):
            widget.setEnabled(has_project)
        if not has_project:
            self.buckets_table.set_rows([])
            self.policy_editor.set_policy(
                FieldPolicy((), FieldRule(DEFAULT_PATTERN, {})), []
            )
            return
        record = self.manifest["projects"][project_id]
        self.buckets_table.set_rows(
            [
                [bucket_id, str(bucket["path"]), str(bucket.get("csv", ""))]
                for bucket_id, bucket in sorted(record["buckets"].items())
            ]
        )
        self.policy_editor.set_policy(
            FieldPolicy.from_json(record["policy"]), known_roles(self.manifest)
        )

    def _done(self, text: str) -> None:
        self.refresh()
        self.status_label.setText(text)
        self.changed.emit()

    # -- changes -------------------------------------------------------------------

    def create_project(self) -> None:
        dialog = CreateProjectDialog(
            self.services, sorted(self.manifest["teams"]), self
        )
        if self.services.dialogs.exec_dialog(dialog) != QDialog.DialogCode.Accepted:
            return
        name = dialog.name_edit.text().strip()
        ontology_path = Path(dialog.ontology_edit.text().strip())
        policy_path = Path(dialog.policy_edit.text().strip())
        teams = dialog.chosen_teams()
        session = self.services.session
        roles = known_roles(self.manifest)

        def create() -> str:
            if not name:
                raise ConfigError("the project has no name; enter one")
            ontology = load_ontology(ontology_path)
            policy = load_field_policy(policy_path, roles)
            return session.create_project(name, ontology, policy, teams)

        def created(project_id: str) -> None:
            self._done(
                self.tr("Created project %s. Add a bucket folder, then import it.")
                % project_id
            )
            self.select_project(project_id)

        self.services.run(self, self.tr("Creating project %s") % name, create, created)

    def add_bucket(self) -> None:
        project_id = self.selected_project()
        if not project_id:
            return
        folder = self.services.dialogs.choose_folder(
            self, self.tr("Choose the mounted bucket folder")
        )
        if folder is None:
            return
        csv_name = self.csv_name_edit.text().strip() or "metadata.csv"
        session = self.services.session
        self.services.run(
            self,
            self.tr("Adding a bucket to %s") % project_id,
            lambda: session.add_bucket(project_id, folder, csv_name=csv_name),
            lambda bucket_id: self._done(
                self.tr("Bucket %s of %s is %s.") % (bucket_id, project_id, folder)
            ),
        )

    def save_policy(self) -> None:
        project_id = self.selected_project()
        if not project_id:
            return
        try:
            policy = self.policy_editor.policy()
        except ConfigError as error:
            self.services.report(self, self.tr("Saving the field policy"), error)
            return
        box = build_save_policy_box(self, project_id)
        if self.services.dialogs.exec_box(box) != QMessageBox.StandardButton.Save:
            return
        session = self.services.session
        self.status_label.setText(
            self.tr("Re-encrypting the field values of %s…") % project_id
        )
        self.services.run(
            self,
            self.tr("Saving the field policy of %s") % project_id,
            lambda: admin.change_field_policy(session, project_id, policy),
            lambda count: self._done(
                self.tr("Saved the field policy of %s: %d field values re-encrypted.")
                % (project_id, count)
            ),
            on_error=lambda _error: self.status_label.setText(
                self.tr("Saving the field policy of %s failed.") % project_id
            ),
        )
