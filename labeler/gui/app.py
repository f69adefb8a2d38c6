"""Start the desktop client: pick the workspace, sign in, open a project.

`run_client(["--workspace", path])` is what `labeler` (no arguments) and
`labeler demo` call. The workspace comes from `--workspace`, else
LABELER_WORKSPACE, else the last one used, else a folder chooser. Without a
display the client prints one line and returns 0 before Qt starts, so a run
without a desktop (CI) does not wait on it.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import Callable, Final

from PySide6.QtCore import QByteArray, QSettings, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QMainWindow, QMessageBox, QWidget

from labeler.core.errors import LabelerError
from labeler.core.logsetup import configure_logging
from labeler.core.workspace import Workspace
from labeler.gui.errors import describe_error, show_error_box
from labeler.gui.main_window import ClientContext, MainWindow
from labeler.gui.password_dialogs import ask_for_own_password
from labeler.gui.project_picker import choose_project
from labeler.gui.sign_in_dialog import SignInDialog
from labeler.gui.workers import TaskRunner

logger = logging.getLogger(__name__)

ORGANISATION: Final = "Labeler"
APPLICATION: Final = "Labeler client"


class ClientSettings:
    """The only values the client persists: window layout, key bindings and
    the last workspace path. Never content, keys or user names: workstations
    are shared, so the sign-in dialog names no one."""

    # Written by earlier versions; removed whenever the settings are opened.
    _RETIRED_KEYS: Final = ("user/last",)

    def __init__(self, settings: QSettings) -> None:
        self._settings = settings
        for key in self._RETIRED_KEYS:
            self._settings.remove(key)

    @classmethod
    def for_user(cls) -> ClientSettings:
        return cls(QSettings(ORGANISATION, APPLICATION))

    def last_workspace(self) -> Path | None:
        value = self._settings.value("workspace/last", "")
        return Path(str(value)) if value else None

    def set_last_workspace(self, root: Path) -> None:
        self._settings.setValue("workspace/last", str(root))

    def shortcut_overrides(self) -> dict[str, str]:
        text = str(self._settings.value("shortcuts/overrides", "") or "")
        try:
            value = json.loads(text) if text else {}
        except ValueError:
            logger.warning("Ignoring unreadable saved key bindings")
            return {}
        if not isinstance(value, dict):
            return {}
        return {str(key): str(keys) for key, keys in value.items()}

    def set_shortcut_overrides(self, overrides: dict[str, str]) -> None:
        self._settings.setValue("shortcuts/overrides", json.dumps(overrides, sort_keys=True))

    def save_window(self, window: QMainWindow) -> None:
        self._settings.setValue("window/geometry", window.saveGeometry())
        self._settings.setValue("window/state", window.saveState())

    def restore_window(self, window: QMainWindow) -> None:
        geometry = self._settings.value("window/geometry")
        state = self._settings.value("window/state")
        if isinstance(geometry, QByteArray):
            window.restoreGeometry(geometry)
        if isinstance(state, QByteArray):
            window.restoreState(state)

    def sync(self) -> None:
        self._settings.sync()


def has_display() -> bool:
    """Return whether Qt has somewhere to draw (a desktop or an explicit platform)."""
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
                or os.environ.get("QT_QPA_PLATFORM") or sys.platform in ("win32", "darwin"))


def resolve_workspace(explicit: str | None, settings: ClientSettings,
                      parent: QWidget | None = None) -> Path | None:
    """Return the workspace to open, asking with a folder chooser as a last resort."""
    for candidate in (explicit, os.environ.get("LABELER_WORKSPACE")):
        if candidate:
            return Path(candidate).expanduser().absolute()
    last = settings.last_workspace()
    if last is not None and Workspace.exists(last):
        return last
    chosen = QFileDialog.getExistingDirectory(parent, "Choose a Labeler workspace folder")
    return Path(chosen) if chosen else None


class ClientController:
    """Runs the sign-in, project choice and window of one client process.

    Signing out closes the window and shows the sign-in dialog again. The
    process ends (through `quit_application`) when a window closes any other
    way, or when that sign-in dialog is cancelled.
    """

    def __init__(self, context: ClientContext,
                 quit_application: Callable[[], None] = QApplication.quit) -> None:
        self.context = context
        self.window: MainWindow | None = None
        self._quit = quit_application

    def start(self) -> bool:
        """Sign in and show a window; False when the user cancels."""
        window = self.sign_in_and_open()
        if window is None:
            return False
        window.closed.connect(self._on_window_closed)
        window.show()
        return True

    def _on_window_closed(self, signed_out: bool) -> None:
        if not signed_out:
            self._quit()
            return
        # Let the closed window finish its close event before the modal dialog runs.
        QTimer.singleShot(0, self._sign_in_after_sign_out)

    def _sign_in_after_sign_out(self) -> None:
        closed = self.window
        self.window = None
        if closed is not None:
            closed.deleteLater()
        if not self.start():
            self._quit()

    def sign_in_and_open(self) -> MainWindow | None:
        """Show the sign-in dialog, then open a project; None when the user cancels."""
        settings = self.context.settings
        dialog = SignInDialog(self.context.root, self.context.runner,
                              clock=self.context.clock)
        if dialog.exec() != SignInDialog.DialogCode.Accepted or dialog.session is None:
            return None
        session = dialog.session
        if session.must_change_password and not ask_for_own_password(
                session, self.context.runner):
            session.lock()  # a one-time password opens no project
            return None
        settings.set_last_workspace(self.context.root)
        project_id = choose_project(session)
        if project_id is None:
            QMessageBox.information(None, "Labeler",
                                    "You are not in a team of any project in this "
                                    "workspace. Ask an administrator to add you.")
            session.lock()
            return None
        try:
            self.window = MainWindow(self.context, session, project_id)
        except LabelerError as error:
            show_error_box(None, describe_error("Opening the project", error))
            session.lock()
            return None
        return self.window


def run_client(argv: list[str]) -> int:
    """Run the desktop client until its window closes; return the exit status."""
    parser = argparse.ArgumentParser(prog="labeler gui")
    parser.add_argument("--workspace", default=None,
                        help="workspace folder (default: $LABELER_WORKSPACE, else the "
                             "last one used, else ask)")
    arguments = parser.parse_args(argv)
    if not has_display():
        print("labeler: no display found, so the desktop client did not start; set "
              "DISPLAY or QT_QPA_PLATFORM=offscreen, or use the 'labeler' commands")
        return 0

    configure_logging()
    application = QApplication.instance() or QApplication(["labeler"])
    application.setApplicationName(APPLICATION)
    settings = ClientSettings.for_user()
    root = resolve_workspace(arguments.workspace, settings)
    if root is None:
        print("labeler: no workspace chosen")
        return 0
    if not Workspace.exists(root):
        QMessageBox.warning(None, "Labeler",
                            f"{root} is not a Labeler workspace (it has no workspace.json). "
                            "Choose the folder made by 'labeler init' or 'labeler demo'.")
        return 1

    context = ClientContext(root=root, runner=TaskRunner(),
                            thumbnail_runner=TaskRunner(max_threads=2), settings=settings)
    # The controller decides when the process ends: signing out closes the
    # window but shows the sign-in dialog next.
    application.setQuitOnLastWindowClosed(False)
    controller = ClientController(context)
    if not controller.start():
        return 0
    status = application.exec()
    settings.sync()
    return int(status)
