"""Set or change the signed-in user's own password.

A user an admin added with a one-time password must replace it before any
project opens: `Session.open_project` raises PolicyError until then, and the
client asks right after sign-in (`ask_for_own_password`). The same dialog
serves "File > Change password…".

The dialog requests the current (or one-time) password again because the
core re-wraps the keyring under the new password and needs the old one to
unwrap it. The sign-in dialog does not keep the password it sent. Passwords
live only in password fields, are cleared after each attempt, and are never
logged or stored.
"""

from __future__ import annotations

import logging
from typing import Final

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from labeler.core.errors import LabelerError, WrongPasswordError
from labeler.core.session import Session
from labeler.gui.errors import describe_error
from labeler.gui.workers import TaskRunner

logger = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH: Final = 8


def _tr(text: str) -> str:
    return QCoreApplication.translate("PasswordChangeDialog", text)


def find_password_problem(current: str, new: str, repeated: str) -> str:
    """Return why a new password is not accepted, or "" when it is."""
    if not current:
        return _tr("Enter your current password.")
    if len(new) < MIN_PASSWORD_LENGTH:
        return _tr("The new password must have at least %d characters.") % (
            MIN_PASSWORD_LENGTH
        )
    if new != repeated:
        return _tr("The two new passwords differ. Type the same password twice.")
    if new == current:
        return _tr("The new password must differ from the current one.")
    return ""


def _password_edit(object_name: str) -> QLineEdit:
    edit = QLineEdit()
    edit.setObjectName(object_name)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


class PasswordChangeDialog(QDialog):
    """Current password plus the new one twice; accepted once the core changed it."""

    def __init__(
        self,
        session: Session,
        runner: TaskRunner,
        *,
        is_first_sign_in: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("passwordChangeDialog")
        self._session = session
        self._runner = runner
        self._is_busy = False
        self.current_edit = _password_edit("currentPassword")
        self.new_edit = _password_edit("newPassword")
        self.repeat_edit = _password_edit("repeatPassword")
        self.message_label = QLabel()
        self.message_label.setObjectName("passwordMessage")
        self.message_label.setWordWrap(True)
        self.message_label.hide()

        if is_first_sign_in:
            self.setWindowTitle(self.tr("Set your own password"))
            intro_text = (
                self.tr(
                    "You signed in as %s with a one-time password. Set your own "
                    "password before any project opens. Type the one-time password "
                    "once more, then your new password twice."
                )
                % session.user
            )
            current_label = self.tr("One-time password")
            cancel_text = self.tr("Sign out")
        else:
            self.setWindowTitle(self.tr("Change password"))
            intro_text = self.tr("Change the password of %s.") % session.user
            current_label = self.tr("Current password")
            cancel_text = self.tr("Cancel")
        intro = QLabel(intro_text)
        intro.setWordWrap(True)
        form = QFormLayout()
        form.addRow(current_label, self.current_edit)
        form.addRow(
            self.tr("New password (at least %d characters)") % MIN_PASSWORD_LENGTH,
            self.new_edit,
        )
        form.addRow(self.tr("New password again"), self.repeat_edit)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(
            self.tr("Set password")
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(cancel_text)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message_label)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(460)

    def submit(self) -> None:
        """Check the fields, then change the password on a worker."""
        if self._is_busy:
            return
        current = self.current_edit.text()
        new = self.new_edit.text()
        problem = find_password_problem(current, new, self.repeat_edit.text())
        if problem:
            self._show_message(problem)
            return

        self._set_busy(True)
        self._show_message(self.tr("Changing the password…"))
        session = self._session
        self._runner.submit(
            lambda: session.change_password(current, new),
            on_result=self._on_changed,
            on_error=self._on_failed,
        )

    def _on_changed(self, _result: object) -> None:
        self._set_busy(False)
        self._clear_fields()
        logger.info("Password changed by the signed-in user")
        self.accept()

    def _on_failed(self, error: BaseException) -> None:
        self._set_busy(False)
        self._clear_fields()
        if isinstance(error, WrongPasswordError):
            self._show_message(self.tr("The current password is wrong. Try again."))
            return
        if not isinstance(error, LabelerError):
            logger.error(
                "Changing the password failed unexpectedly: %s", type(error).__name__
            )
        message = describe_error(self.tr("Changing the password"), error)
        self._show_message(message.inline())

    def _clear_fields(self) -> None:
        for edit in (self.current_edit, self.new_edit, self.repeat_edit):
            edit.clear()
        self.current_edit.setFocus()

    def _set_busy(self, busy: bool) -> None:
        self._is_busy = busy
        self.buttons.setEnabled(not busy)
        for edit in (self.current_edit, self.new_edit, self.repeat_edit):
            edit.setEnabled(not busy)

    def _show_message(self, text: str) -> None:
        self.message_label.setText(text)
        self.message_label.setVisible(bool(text))

    def message(self) -> str:
        return self.message_label.text()

    def reject(self) -> None:
        self._clear_fields()
        super().reject()


def ask_for_own_password(
    session: Session, runner: TaskRunner, parent: QWidget | None = None
) -> bool:
    """Make a user with a one-time password set their own; return whether they did."""
    dialog = PasswordChangeDialog(session, runner, is_first_sign_in=True, parent=parent)
    dialog.exec()
    return not session.must_change_password


def change_own_password(
    session: Session, runner: TaskRunner, parent: QWidget | None = None
) -> bool:
    """Let the signed-in user change their password; return whether it changed."""
    dialog = PasswordChangeDialog(
        session, runner, is_first_sign_in=False, parent=parent
    )
    return dialog.exec() == QDialog.DialogCode.Accepted
