"""Lock the client after a period without input, and the screen to unlock it.

`IdleLockController` watches input events application-wide through an event
filter, and each one restarts a single-shot QTimer. When the timer fires, it
emits `idle_timeout` and the main window locks. `LockScreenWidget` asks for
the same user's password and applies the sign-in backoff.
"""

from __future__ import annotations

import logging
from typing import Final

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget

from labeler.gui.sign_in_dialog import PasswordForm, SignInFunction, SignInThrottle
from labeler.gui.workers import TaskRunner

logger = logging.getLogger(__name__)

INPUT_EVENTS: Final = frozenset({
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseButtonDblClick,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
    QEvent.Type.TouchUpdate,
    QEvent.Type.TabletPress,
    QEvent.Type.TabletMove,
})


class IdleLockController(QObject):
    """Emits `idle_timeout` after `seconds` without keyboard, mouse or touch input."""

    idle_timeout = Signal()

    def __init__(self, seconds: float, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(max(1, round(seconds * 1000)))
        self._timer.timeout.connect(self.idle_timeout)
        self._is_installed = False

    @property
    def interval_ms(self) -> int:
        return self._timer.interval()

    def start(self) -> None:
        """Start watching input; the countdown begins now."""
        application = QApplication.instance()
        if application is not None and not self._is_installed:
            application.installEventFilter(self)
            self._is_installed = True
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        application = QApplication.instance()
        if application is not None and self._is_installed:
            application.removeEventFilter(self)
            self._is_installed = False

    def is_running(self) -> bool:
        return self._timer.isActive()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in INPUT_EVENTS and self._timer.isActive():
            self._timer.start()
        return False


class LockScreenWidget(QWidget):
    """Shown in place of the canvas while locked; emits `unlocked` with a new Session."""

    unlocked = Signal(object)

    def __init__(self, runner: TaskRunner, throttle: SignInThrottle,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lockScreen")
        self._runner = runner
        self._throttle = throttle
        self.form: PasswordForm | None = None
        self.title_label = QLabel(self.tr("Labeler is locked"))
        self.title_label.setObjectName("lockTitle")
        self.title_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = self.title_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.title_label.setFont(font)
        self.hint_label = QLabel()
        self.hint_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint_label.setWordWrap(True)
        self._box = QWidget()
        self._box.setMaximumWidth(420)
        self._box_layout = QVBoxLayout(self._box)
        self._box_layout.addWidget(self.title_label)
        self._box_layout.addWidget(self.hint_label)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self._box, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)

    def prepare(self, user: str, sign_in: SignInFunction, reason: str) -> None:
        """Ask `user` (fixed) for the password; `sign_in` makes the new session."""
        if self.form is not None:
            self.form.deleteLater()
        self.form = PasswordForm(sign_in, self._throttle, self._runner,
                                 button_text=self.tr("Unlock"), user=user,
                                 user_editable=False)
        self.form.signed_in.connect(self.unlocked)
        self._box_layout.addWidget(self.form)
        self.hint_label.setText(reason)
        self.form.password_edit.setFocus()

    def submit_password(self, password: str) -> None:
        """Type `password` and press Unlock (used by tests and scripts)."""
        if self.form is None:
            raise RuntimeError("the lock screen is not prepared; call prepare() first")
        self.form.password_edit.setText(password)
        self.form.submit()
