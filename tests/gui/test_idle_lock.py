"""Idle lock and Ctrl+L: content hidden, session locked, same asset after unlock."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from labeler.gui.main_window import MainWindow
from tests.core.factories import PASSWORDS
from tests.gui.test_main_window import asset_id_of, set_workspace_setting, show_and_wait

pytestmark = pytest.mark.gui


def assert_locked(window: MainWindow) -> None:
    assert window.session.is_locked
    assert window.canvas.is_content_hidden()
    assert window.canvas.current_asset_id() is None, "the pixels are dropped"
    assert window.central.currentWidget() is window.lock_screen
    assert window.asset_model.rowCount() == 0
    assert window.fields_panel.tree.topLevelItemCount() == 0
    assert window.loader.cached_asset_ids() == []
    assert window.project is None
    assert window.windowTitle() == "Labeler — locked"
    assert window.path_label.text() == ""
    assert window.position_label.text() == ""


def unlock(qtbot, window: MainWindow, password: str, asset_id: int) -> None:  # type: ignore[no-untyped-def]
    window.lock_screen.submit_password(password)
    qtbot.waitUntil(lambda: not window.is_locked
                    and window.canvas.current_asset_id() == asset_id, timeout=20_000)


def test_idle_time_locks_and_password_restores_asset(qtbot, demo_workspace,
                                                     open_window) -> None:
    set_workspace_setting(demo_workspace, "idle_lock_seconds", 1)
    window = open_window(demo_workspace, "anna")
    photo = asset_id_of(window, "photos/skimage_astronaut.png")
    show_and_wait(qtbot, window, photo)
    old_session = window.session

    qtbot.waitUntil(lambda: window.is_locked, timeout=10_000)

    assert old_session.is_locked
    assert_locked(window)
    unlock(qtbot, window, PASSWORDS["anna"], photo)
    assert window.session is not old_session
    assert not window.canvas.is_content_hidden()
    assert window.current_asset_id == photo
    assert window.fields_panel.tree.topLevelItemCount() > 0
    assert window.asset_model.rowCount() > 0


def test_input_postpones_idle_lock(qtbot, demo_workspace, open_window) -> None:
    set_workspace_setting(demo_workspace, "idle_lock_seconds", 1)
    window = open_window(demo_workspace, "anna")

    for _ in range(6):
        qtbot.wait(300)
        qtbot.keyClick(window.browser.view, Qt.Key.Key_Shift)
        assert not window.is_locked

    qtbot.waitUntil(lambda: window.is_locked, timeout=10_000)


def test_ctrl_l_locks_at_once(qtbot, demo_workspace, open_window) -> None:
    window = open_window(demo_workspace, "rita")
    photo = asset_id_of(window, "photos/skimage_rocket.jpg")
    show_and_wait(qtbot, window, photo)
    window.activateWindow()
    window.browser.view.setFocus()

    qtbot.keyClick(window.browser.view, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)

    assert_locked(window)
    unlock(qtbot, window, PASSWORDS["rita"], photo)


def test_unlock_with_wrong_password_stays_locked(qtbot, demo_workspace,
                                                 open_window) -> None:
    set_workspace_setting(demo_workspace, "sign_in_backoff_seconds", [5])
    window = open_window(demo_workspace, "anna", synchronous=True)
    window.lock()

    window.lock_screen.submit_password("not-the-password")

    assert window.is_locked
    assert "Try again in" in window.lock_screen.form.message()
    assert window.lock_screen.form.user_edit.isReadOnly()
    assert window.lock_screen.form.user_edit.text() == "anna"


def test_watermark_only_for_listed_roles(qtbot, demo_workspace, open_window) -> None:
    from labeler.core.admin import update_settings

    admin = demo_workspace.sign_in("admin")
    update_settings(admin, {"watermark_roles": ["annotator"]})
    admin.lock()
    annotator = open_window(demo_workspace, "anna")
    reviewer = open_window(demo_workspace, "rita")

    assert annotator.watermark.text is not None
    assert annotator.watermark.text.startswith("anna · ")
    assert reviewer.watermark.text is None
