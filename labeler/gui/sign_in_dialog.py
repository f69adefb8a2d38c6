"""Sign-in dialog: user name and password, with a growing delay after failures.

The core enforces the delay (`labeler.core.lockout`): it counts failures per
user in the workspace folder and raises SignInDelayError for an attempt that
comes too early. This dialog shows the same delay as a countdown ("try again
in N s") and disables the button meanwhile. The countdown is a QTimer, so the
UI thread does not wait. The dialog passes its clock to the core, so both use
the same time. The key derivation runs on a worker through `TaskRunner`. The core audits every
failed sign-in in the workspace log; the dialog adds no entries of its own.
"""

from __future__ import annotations

import logging
import math
import time
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from labeler.core.errors import LabelerError, WrongPasswordError
from labeler.core.lockout import AccountLockedError, SignInDelayError
from labeler.core.session import Session
from labeler.core.workspace import Workspace
from labeler.gui.errors import describe_error
from labeler.gui.workers import TaskRunner

logger = logging.getLogger(__name__)

Clock = Callable[[], float]
SignInFunction = Callable[[str, str], Session]


def sign_in_with_clock(root: Path, clock: Clock) -> SignInFunction:
    """Return a sign-in function whose lockout checks use `clock`.

    NOTE: `Session.sign_in` takes no clock, so this builds the Session the same
    way it does, from `Workspace.unlock(..., clock=...)`.
    """

    def sign_in(user: str, password: str) -> Session:
        workspace = Workspace(root)
        return Session(workspace, workspace.unlock(user, password, clock=clock))

    return sign_in


class SignInThrottle:
    """Tracks when the next attempt is allowed, as the core's lockout computes it."""

    def __init__(self, root: Path, clock: Clock = time.time) -> None:
        self._root = root
        self._clock = clock
        self.failures = 0
        self._retry_at = 0.0

    @property
    def clock(self) -> Clock:
        return self._clock

    def record_failure(self, user: str) -> float:
        """Count one failure of `user`; return the wait in seconds before the next try."""
        self.failures += 1
        try:
            delay = Workspace(self._root).lockout(self._clock).seconds_until_allowed(user)
        except AccountLockedError:
            delay = 0.0  # the next attempt reports the locked account
        self._retry_at = self._clock() + delay
        return delay

    def wait_until(self, seconds: float) -> None:
        """Wait `seconds` from now, because the core rejected an attempt as too early."""
        self._retry_at = self._clock() + seconds

    def reset(self) -> None:
        self.failures = 0
        self._retry_at = 0.0

    def seconds_left(self) -> int:
        """Whole seconds until the next attempt is allowed (0 when allowed now)."""
        return max(0, math.ceil(self._retry_at - self._clock()))


class PasswordForm(QWidget):
    """User and password fields with a button, a message line and the throttle.

    Both the sign-in dialog and the lock screen use it, so both apply the same
    backoff. `signed_in` carries the new Session.
    """

    signed_in = Signal(object)

    def __init__(self, sign_in: SignInFunction, throttle: SignInThrottle,
                 runner: TaskRunner, *, button_text: str, user: str = "",
                 user_editable: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._sign_in = sign_in
        self.throttle = throttle
        self._runner = runner
        self._is_busy = False

        self.user_edit = QLineEdit(user)
        self.user_edit.setObjectName("user")
        self.user_edit.setReadOnly(not user_editable)
        self.password_edit = QLineEdit()
        self.password_edit.setObjectName("password")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.submit_button = QPushButton(button_text)
        # Enter in either field submits through returnPressed. A default button
        # would submit a second time inside a QDialog, so there is none.
        self.submit_button.setAutoDefault(False)
        self.message_label = QLabel()
        self.message_label.setObjectName("signInMessage")
        self.message_label.setWordWrap(True)

        form = QFormLayout()
        form.addRow(self.tr("User name"), self.user_edit)
        form.addRow(self.tr("Password"), self.password_edit)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message_label)
        layout.addWidget(self.submit_button)

        self._countdown = QTimer(self)
        self._countdown.setInterval(250)
        self._countdown.timeout.connect(self.update_wait)
        self.submit_button.clicked.connect(self.submit)
        self.user_edit.returnPressed.connect(self.submit)
        self.password_edit.returnPressed.connect(self.submit)
        self._set_message("")

    def focus_first_empty(self) -> None:
        target = self.password_edit if self.user_edit.text() else self.user_edit
        target.setFocus()

    def submit(self) -> None:
        """Start a sign-in with the entered user and password, unless waiting."""
        if self._is_busy or self.throttle.seconds_left() > 0:
            return
        user = self.user_edit.text().strip()
        password = self.password_edit.text()
        if not user or not password:
            self._set_message(self.tr("Enter your user name and password."))
            return

        self._set_busy(True)
        self._set_message(self.tr("Signing in…"))
        self._runner.submit(lambda: self._sign_in(user, password),
                            on_result=self._on_signed_in, on_error=self._on_failed)

    def _on_signed_in(self, session: Session) -> None:
        self._set_busy(False)
        self.password_edit.clear()
        self.throttle.reset()
        self._set_message("")
        self.signed_in.emit(session)

    def _on_failed(self, error: BaseException) -> None:
        self._set_busy(False)
        self.password_edit.clear()
        if isinstance(error, WrongPasswordError):
            self.throttle.record_failure(self.user_edit.text().strip())
            logger.info("Sign-in failed (attempt %d)", self.throttle.failures)
            self.update_wait()
            return
        if isinstance(error, SignInDelayError):
            self.throttle.wait_until(error.seconds)
            self.update_wait()
            return
        message = describe_error(self.tr("Sign-in"), error)
        if not isinstance(error, LabelerError):
            logger.error("Sign-in failed unexpectedly: %s", type(error).__name__)
        self._set_message(message.inline())

    def update_wait(self) -> None:
        """Refresh the countdown; re-enable the button once the delay has passed."""
        left = self.throttle.seconds_left()
        if left > 0:
            self._set_message(self.tr("Wrong user name or password. Try again in %d s.")
                              % left)
            self.submit_button.setEnabled(False)
            if not self._countdown.isActive():
                self._countdown.start()
            return
        self._countdown.stop()
        self.submit_button.setEnabled(not self._is_busy)
        if self.throttle.failures:
            self._set_message(self.tr("Wrong user name or password. Try again."))
        self.password_edit.setFocus()

    def _set_busy(self, busy: bool) -> None:
        self._is_busy = busy
        self.submit_button.setEnabled(not busy)
        self.password_edit.setEnabled(not busy)
        self.user_edit.setEnabled(not busy)

    def _set_message(self, text: str) -> None:
        self.message_label.setText(text)
        self.message_label.setVisible(bool(text))

    def message(self) -> str:
        return self.message_label.text()


class SignInDialog(QDialog):
    """Modal sign-in to one workspace; `session` is set once it is accepted."""

    def __init__(self, root: Path, runner: TaskRunner, *, user: str = "",
                 clock: Clock = time.time,
                 sign_in: SignInFunction | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Sign in to Labeler"))
        self.session: Session | None = None
        self.form = PasswordForm(sign_in or sign_in_with_clock(root, clock),
                                 SignInThrottle(root, clock), runner,
                                 button_text=self.tr("Sign in"), user=user)
        self.form.signed_in.connect(self._accept_session)

        workspace_label = QLabel(self.tr("Workspace: %s") % root)
        workspace_label.setObjectName("workspaceLabel")
        workspace_label.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        buttons.rejected.connect(self.reject)
        for button in buttons.buttons():
            if isinstance(button, QPushButton):
                button.setAutoDefault(False)
        layout = QVBoxLayout(self)
        layout.addWidget(workspace_label)
        layout.addWidget(self.form)
        layout.addWidget(buttons)
        self.setMinimumWidth(420)
        self.form.focus_first_empty()

    def _accept_session(self, session: Session) -> None:
        self.session = session
        self.accept()
