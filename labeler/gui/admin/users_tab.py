"""The Users tab: users with one-time passwords, teams, custom roles, removal.

A new user gets a one-time password from the core, shown once in a password
field for the admin to hand over in person. Removing a user rotates the keys
of the user's projects, and the confirmation states plainly that what the
user already saw cannot be taken back.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from labeler.core import admin
from labeler.core.errors import LabelerError
from labeler.core.lockout import AccountLockedError
from labeler.core.policy.roles import Permission
from labeler.core.workspace import known_roles
from labeler.gui.admin.common import (
    AdminServices,
    FormDialog,
    ReadOnlyTableWidget,
    SelectableTableWidget,
    checkbox_column,
    translate,
)

logger = logging.getLogger(__name__)


class AddUserDialog(FormDialog):
    """Name, role and teams of a new user."""

    def __init__(
        self, roles: list[str], teams: list[str], parent: QWidget | None = None
    ) -> None:
        super().__init__(self.tr("Add user"), self.tr("Add user"), parent)
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("newUserName")
        self.role_combo = QComboBox()
        self.role_combo.setObjectName("newUserRole")
        self.role_combo.addItems(roles)
        if "annotator" in roles:
            self.role_combo.setCurrentText("annotator")
        teams_box, self.team_checks = checkbox_column(teams, "team")
        self.form.addRow(self.tr("User name"), self.name_edit)
        self.form.addRow(self.tr("Role"), self.role_combo)
        self.form.addRow(self.tr("Teams"), teams_box)

    def chosen_teams(self) -> list[str]:
        return [name for name, check in self.team_checks.items() if check.isChecked()]


class _NoCopyPasswordEdit(QLineEdit):
    """A read-only password field that never hands its text to the clipboard."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        event.accept()  # read-only: no key may select or copy the text


class OneTimePasswordDialog(QDialog):
    """Shows a new user's one-time password once, masked unless a button is held.

    The password sits in a password field (echo mode Password). Holding "Hold
    to show" switches the field to plain echo only while the button is down,
    so the admin can read it out. The field takes no focus, no keys and no
    context menu, so the text cannot be selected or copied.
    """

    def __init__(self, user: str, password: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("One-time password for %s") % user)
        explanation = QLabel(
            self.tr(
                "User %s was added. Hand this one-time password over in person. It "
                "is shown only now and is not stored, so if it is lost, remove the "
                "user and add them again. At first sign-in the user must set their "
                "own password."
            )
            % user
        )
        explanation.setWordWrap(True)

        self.password_edit = _NoCopyPasswordEdit(password)
        self.password_edit.setObjectName("oneTimePassword")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setReadOnly(True)
        self.password_edit.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.password_edit.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.password_edit.setDragEnabled(False)
        self.reveal_button = QPushButton(self.tr("Hold to show"))
        self.reveal_button.setObjectName("revealOneTimePassword")
        self.reveal_button.setAutoDefault(False)
        self.reveal_button.pressed.connect(lambda: self._set_revealed(True))
        self.reveal_button.released.connect(lambda: self._set_revealed(False))

        row = QHBoxLayout()
        row.addWidget(self.password_edit, 1)
        row.addWidget(self.reveal_button)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(explanation)
        layout.addLayout(row)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)

    def _set_revealed(self, revealed: bool) -> None:
        self.password_edit.setEchoMode(
            QLineEdit.EchoMode.Normal if revealed else QLineEdit.EchoMode.Password
        )

    def done(self, result: int) -> None:
        self._set_revealed(False)
        self.password_edit.clear()
        super().done(result)


class AddTeamDialog(FormDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Add team"), self.tr("Add team"), parent)
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("newTeamName")
        self.description_edit = QLineEdit()
        self.description_edit.setObjectName("newTeamDescription")
        self.form.addRow(self.tr("Team name"), self.name_edit)
        self.form.addRow(self.tr("Description"), self.description_edit)


class ChooseTeamDialog(FormDialog):
    def __init__(
        self, user: str, teams: list[str], parent: QWidget | None = None
    ) -> None:
        super().__init__(
            self.tr("Add %s to a team") % user, self.tr("Add to team"), parent
        )
        self.team_combo = QComboBox()
        self.team_combo.setObjectName("chosenTeam")
        self.team_combo.addItems(teams)
        self.form.addRow(self.tr("Team"), self.team_combo)


class AddRoleDialog(FormDialog):
    """A custom role: a name and a set of the built-in permissions."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Add role"), self.tr("Add role"), parent)
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("newRoleName")
        permissions_box, self.permission_checks = checkbox_column(
            [permission.value for permission in Permission], "permission"
        )
        self.form.addRow(self.tr("Role name"), self.name_edit)
        self.form.addRow(self.tr("Permissions"), permissions_box)

    def chosen_permissions(self) -> list[str]:
        return [
            name for name, check in self.permission_checks.items() if check.isChecked()
        ]


def build_remove_user_box(
    parent: QWidget | None, user: str, role: str, projects: list[str]
) -> QMessageBox:
    """Return the confirmation for removing `user`; Cancel is the default button."""
    project_text = ", ".join(projects) if projects else translate("none")
    text = translate("Remove user %s (%s)?") % (user, role)
    informative = (
        translate(
            "Their keyring is deleted and the keys of their projects (%s) are rotated, "
            "so they cannot open anything written from now on. What they already saw, "
            "or copied before, cannot be taken back."
        )
        % project_text
    )
    box = QMessageBox(
        QMessageBox.Icon.Warning,
        translate("Remove user"),
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        parent,
    )
    box.setObjectName("removeUserBox")
    box.setInformativeText(informative)
    box.button(QMessageBox.StandardButton.Yes).setText(translate("Remove %s") % user)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.setEscapeButton(QMessageBox.StandardButton.Cancel)
    return box


class UsersTab(QWidget):
    """Users, teams and roles of the workspace; `changed` fires after each change."""

    changed = Signal()

    def __init__(self, services: AdminServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.status_label = QLabel()
        self.status_label.setObjectName("usersStatus")
        self.status_label.setWordWrap(True)

        self.users_table = SelectableTableWidget(
            [self.tr("User"), self.tr("Role"), self.tr("Teams"), self.tr("Status")]
        )
        self.users_table.setObjectName("usersTable")
        self.add_user_button = self._button(
            self.tr("Add user…"), "addUser", self.add_user
        )
        self.add_to_team_button = self._button(
            self.tr("Add to team…"), "addToTeam", self.add_selected_to_team
        )
        self.unlock_button = self._button(
            self.tr("Unlock account"), "unlockAccount", self.unlock_selected
        )
        self.remove_button = self._button(
            self.tr("Remove user…"), "removeUser", self.remove_selected
        )
        user_buttons = QVBoxLayout()
        for button in (
            self.add_user_button,
            self.add_to_team_button,
            self.unlock_button,
            self.remove_button,
        ):
            user_buttons.addWidget(button)
        user_buttons.addStretch(1)
        users_group = QGroupBox(self.tr("Users"))
        users_layout = QHBoxLayout(users_group)
        users_layout.addWidget(self.users_table, 1)
        users_layout.addLayout(user_buttons)

        self.teams_table = ReadOnlyTableWidget(
            [self.tr("Team"), self.tr("Description")]
        )
        self.teams_table.setObjectName("teamsTable")
        teams_group = self._group_with_button(
            self.tr("Teams"),
            self.teams_table,
            self.tr("Add team…"),
            "addTeam",
            self.add_team,
        )
        self.roles_table = ReadOnlyTableWidget(
            [self.tr("Role"), self.tr("Permissions")]
        )
        self.roles_table.setObjectName("rolesTable")
        roles_group = self._group_with_button(
            self.tr("Roles"),
            self.roles_table,
            self.tr("Add role…"),
            "addRole",
            self.add_role,
        )
        lower = QHBoxLayout()
        lower.addWidget(teams_group)
        lower.addWidget(roles_group)

        layout = QVBoxLayout(self)
        layout.addWidget(users_group, 3)
        layout.addLayout(lower, 2)
        layout.addWidget(self.status_label)
        self.refresh()

    def _button(self, text: str, name: str, slot: Any) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setAutoDefault(False)
        button.clicked.connect(lambda _checked=False: slot())
        return button

    def _group_with_button(
        self, title: str, table: QWidget, button_text: str, name: str, slot: Any
    ) -> QGroupBox:
        group = QGroupBox(title)
        layout = QVBoxLayout(group)
        layout.addWidget(table)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self._button(button_text, name, slot))
        layout.addLayout(row)
        return group

    # -- reading -----------------------------------------------------------------

    @property
    def manifest(self) -> dict[str, Any]:
        return self.services.session.workspace.manifest

    def refresh(self) -> None:
        selected = self.users_table.selected_key()
        rows = []
        for name, record in sorted(self.manifest["users"].items()):
            rows.append(
                [
                    name,
                    str(record["role"]),
                    ", ".join(record.get("teams", [])),
                    self._user_status(name),
                ]
            )
        self.users_table.set_rows(rows)
        if selected:
            self.users_table.select_key(selected)
        self.teams_table.set_rows(
            [
                [name, str(team.get("description", ""))]
                for name, team in sorted(self.manifest["teams"].items())
            ]
        )
        roles = self.manifest.get("roles", {})
        self.roles_table.set_rows(
            [
                [name, ", ".join(roles.get(name, []))]
                for name in known_roles(self.manifest)
            ]
        )

    def _user_status(self, user: str) -> str:
        workspace = self.services.session.workspace
        try:
            workspace.lockout().check(user)
        except AccountLockedError:
            return self.tr("locked after failed sign-ins")
        except LabelerError:
            pass  # a sign-in delay is running; the account is not locked
        try:
            if workspace.read_keyring(user).get("one_time_password"):
                return self.tr("must set own password")
        except LabelerError:
            return self.tr("keyring missing")
        return self.tr("active")

    def _selected_user(self) -> str:
        user = self.users_table.selected_key()
        if not user:
            self._set_status(self.tr("Select a user in the table first."))
        return user

    def _set_status(self, text: str) -> None:
        self.status_label.setText(text)

    def _done(self, text: str) -> None:
        self.refresh()
        self._set_status(text)
        self.changed.emit()

    # -- changes -------------------------------------------------------------------

    def add_user(self) -> None:
        dialog = AddUserDialog(
            known_roles(self.manifest), sorted(self.manifest["teams"]), self
        )
        if self.services.dialogs.exec_dialog(dialog) != QDialog.DialogCode.Accepted:
            return
        name = dialog.name_edit.text().strip()
        role = dialog.role_combo.currentText()
        teams = dialog.chosen_teams()
        session, cost = self.services.session, self.services.kdf_cost

        def show_password(password: str) -> None:
            self._done(self.tr("Added user %s as %s.") % (name, role))
            self.services.dialogs.exec_dialog(
                OneTimePasswordDialog(name, password, self)
            )

        self.services.run(
            self,
            self.tr("Adding user %s") % name,
            lambda: admin.add_user_with_one_time_password(
                session, name, role, teams, cost
            ),
            show_password,
        )

    def add_selected_to_team(self) -> None:
        user = self._selected_user()
        if not user:
            return
        teams = sorted(
            set(self.manifest["teams"])
            - set(self.manifest["users"][user].get("teams", []))
        )
        if not teams:
            self._set_status(self.tr("%s is already in every team.") % user)
            return
        dialog = ChooseTeamDialog(user, teams, self)
        if self.services.dialogs.exec_dialog(dialog) != QDialog.DialogCode.Accepted:
            return
        team = dialog.team_combo.currentText()
        session = self.services.session
        self.services.run(
            self,
            self.tr("Adding %s to team %s") % (user, team),
            lambda: session.add_user_to_team(user, team),
            lambda _none: self._done(self.tr("Added %s to team %s.") % (user, team)),
        )

    def unlock_selected(self) -> None:
        user = self._selected_user()
        if not user:
            return
        session = self.services.session
        self.services.run(
            self,
            self.tr("Unlocking %s") % user,
            lambda: admin.unlock_account(session, user),
            lambda _none: self._done(self.tr("%s may sign in again.") % user),
        )

    def remove_selected(self) -> None:
        user = self._selected_user()
        if not user:
            return
        session = self.services.session
        projects = [project["id"] for project in session.workspace.projects_for(user)]
        role = str(self.manifest["users"][user]["role"])
        box = build_remove_user_box(self, user, role, projects)
        if self.services.dialogs.exec_box(box) != QMessageBox.StandardButton.Yes:
            self._set_status(self.tr("%s was not removed.") % user)
            return

        def removed(rotated: list[str]) -> None:
            self._done(
                self.tr(
                    "Removed %s and rotated the keys of: %s. What they already saw "
                    "cannot be taken back."
                )
                % (user, ", ".join(rotated) or self.tr("no project"))
            )

        self.services.run(
            self,
            self.tr("Removing user %s") % user,
            lambda: admin.remove_user(session, user),
            removed,
        )

    def add_team(self) -> None:
        dialog = AddTeamDialog(self)
        if self.services.dialogs.exec_dialog(dialog) != QDialog.DialogCode.Accepted:
            return
        name = dialog.name_edit.text().strip()
        description = dialog.description_edit.text().strip()
        session = self.services.session
        self.services.run(
            self,
            self.tr("Adding team %s") % name,
            lambda: session.add_team(name, description),
            lambda _none: self._done(self.tr("Added team %s.") % name),
        )

    def add_role(self) -> None:
        dialog = AddRoleDialog(self)
        if self.services.dialogs.exec_dialog(dialog) != QDialog.DialogCode.Accepted:
            return
        name = dialog.name_edit.text().strip()
        permissions = dialog.chosen_permissions()
        session = self.services.session
        self.services.run(
            self,
            self.tr("Adding role %s") % name,
            lambda: admin.add_role(session, name, permissions),
            lambda _none: self._done(self.tr("Added role %s.") % name),
        )
