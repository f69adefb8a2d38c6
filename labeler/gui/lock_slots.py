"""Locking, unlocking and signing out of the main window.

`LockSlots` is a base class of `MainWindow`. Locking hides every piece of
content, drops decoded pixels and cached rows, disables every action that
shows content or calls the core, and calls `Session.lock()`, which closes the
store and wipes the keys. Unlocking enables each action again only as the new
session's role allows. Signing out locks the same way, closes the window and
lets `ClientController` show the sign-in dialog to anyone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, cast

from PySide6.QtGui import QAction

from labeler.core.errors import LabelerError
from labeler.core.session import Session
from labeler.gui import actions as window_actions
from labeler.gui.errors import report_error
from labeler.gui.sign_in_dialog import sign_in_with_clock

if TYPE_CHECKING:
    from labeler.gui.main_window import MainWindow

# Actions that stay enabled on the lock screen: none shows content or uses the keys.
KEPT_WHEN_LOCKED: Final = frozenset({"quit", "help", "sign_out"})
# Undo and redo follow their undo stack (enabled only with a step to take),
# so unlocking leaves them to it instead of enabling them.
FOLLOW_UNDO_STACK: Final = frozenset({"canvas_undo", "canvas_redo"})


class LockSlots:
    @property
    def is_locked(self) -> bool:
        return self._window().session.is_locked

    def lock(self, reason: str = "") -> None:
        """Hide all content, drop decoded data and lock the session (Ctrl+L)."""
        window = self._window()
        if window.is_locked:
            return
        remembered = window.current_asset_id
        window.idle_lock.stop()
        window.watermark.stop()

        window.canvas.set_content_hidden(True)
        window.text_view.set_content_hidden(True)
        window.text_view.clear()  # drop the decoded document, not only hide it
        window.video_view.set_content_hidden(True)
        window.video_view.clear()
        window.fields_panel.set_content_hidden(True)
        window.browser.set_content_hidden(True)

        # Decoders read the store; let them finish before it closes.
        window.context.runner.wait_for_workers(5000)
        if window.context.thumbnail_runner is not None:
            window.context.thumbnail_runner.wait_for_workers(5000)
        window._close_project()
        window.unsent_comments.clear()
        window.current_asset_id = remembered
        window.session.lock()

        window.central.setCurrentWidget(window.lock_screen)
        for action in self._content_actions():
            action.setEnabled(False)
        for label in (window.position_label, window.path_label, window.size_label,
                      window.zoom_label, window.saved_label, window.access_label):
            label.clear()
        window.statusBar().clearMessage()
        if window.label_toolbar is not None:
            window.label_toolbar.setEnabled(False)
        window.lock_screen.prepare(window.session.user, self._sign_in_again,
                                   reason or window.tr("Locked."))
        window._update_title()
        window.lock_changed.emit(True)

    def _sign_in_again(self, user: str, password: str) -> Session:
        context = self._window().context
        return sign_in_with_clock(context.root, context.clock)(user, password)

    def _on_unlocked(self, session: Session) -> None:
        window = self._window()
        if session.user != window.session.user:
            session.lock()
            return
        remembered = window.current_asset_id
        window.session = session
        window.current_asset_id = None
        for action in self._content_actions():
            if action.objectName() not in FOLLOW_UNDO_STACK:
                action.setEnabled(True)
        window_actions.apply_permissions(window.menu_actions.permission_actions, window)
        window.central.setCurrentWidget(window.canvas)
        window.canvas.set_content_hidden(False)
        window.text_view.set_content_hidden(False)
        window.video_view.set_content_hidden(False)
        window.fields_panel.set_content_hidden(False)
        window.browser.set_content_hidden(False)
        try:
            window._open_project(window._project_id)
        except LabelerError as error:
            report_error(window, window.tr("Reopening the project"), error,
                         window.context.error_presenter)
            return
        if remembered is not None:
            window.show_asset(remembered)
        window.lock_changed.emit(False)

    def _content_actions(self) -> list[QAction]:
        """Return every action that the lock screen disables."""
        menu_actions = self._window().menu_actions
        return [action for action_id, action in menu_actions.all_bindable().items()
                if action_id not in KEPT_WHEN_LOCKED] + [
            menu_actions.switch_project, menu_actions.first_asset, menu_actions.last_asset,
            menu_actions.edit_shortcuts, *menu_actions.permission_actions.values()]

    def sign_out(self) -> None:
        """Lock the session and close the window; the controller shows the sign-in next."""
        window = self._window()
        window.is_signing_out = True
        window.close()

    def _window(self) -> MainWindow:
        return cast("MainWindow", self)  # only MainWindow mixes this class in
