"""A user added with a one-time password sets their own before any project opens."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialog

from labeler.core.errors import PolicyError, WrongPasswordError
from labeler.core.session import Session
from labeler.gui import app
from labeler.gui.password_dialogs import PasswordChangeDialog
from labeler.gui.sign_in_dialog import SignInDialog
from tests.core.factories import PASSWORDS
from tests.gui.admin import test_console
from tests.gui.admin.test_console import add_user_in_console

pytestmark = pytest.mark.gui

# Fixtures shared with test_console.py.
dialogs = test_console.dialogs
open_console = test_console.open_console

NEW_PASSWORD = "nina-own-pass-1"


def type_into(
    dialog: PasswordChangeDialog, current: str, new: str, repeated: str
) -> str:
    dialog.current_edit.setText(current)
    dialog.new_edit.setText(new)
    dialog.repeat_edit.setText(repeated)
    dialog.submit()
    return dialog.message()


def sign_in_through_dialog(monkeypatch, user: str, password: str) -> None:  # type: ignore[no-untyped-def]
    def type_password(dialog: SignInDialog) -> int:
        dialog.form.user_edit.setText(user)
        dialog.form.password_edit.setText(password)
        dialog.form.submit()
        return dialog.result()

    monkeypatch.setattr(SignInDialog, "exec", type_password)


def test_one_time_password_forces_own_password(
    qtbot,
    demo_workspace,
    open_console,
    dialogs,
    make_context,
    monkeypatch,
    shown_errors,
) -> None:
    console = open_console(demo_workspace)
    one_time = add_user_in_console(console, dialogs, "nina")
    console.services.session.lock()
    controller = app.ClientController(
        make_context(demo_workspace.root, synchronous=True)
    )
    sign_in_through_dialog(monkeypatch, "nina", one_time)
    asked: list[str] = []

    def set_password(dialog: PasswordChangeDialog) -> int:
        session = dialog._session
        asked.append(dialog.windowTitle())
        assert controller.window is None, "no project window before the new password"
        with pytest.raises(PolicyError, match="one-time password"):
            session.open_project(demo_workspace.project_id)
        assert "at least 8" in type_into(dialog, one_time, "short", "short")
        assert "differ" in type_into(dialog, one_time, NEW_PASSWORD, NEW_PASSWORD + "x")
        assert "must differ from the current" in type_into(
            dialog, one_time, one_time, one_time
        )
        assert "wrong" in type_into(
            dialog, "not-the-password", NEW_PASSWORD, NEW_PASSWORD
        )
        assert dialog.result() != QDialog.DialogCode.Accepted
        type_into(dialog, one_time, NEW_PASSWORD, NEW_PASSWORD)
        return dialog.result()

    monkeypatch.setattr(PasswordChangeDialog, "exec", set_password)

    window = controller.sign_in_and_open()

    assert asked == ["Set your own password"]
    assert window is not None
    qtbot.addWidget(window)
    assert window.session.user == "nina"
    assert not window.session.must_change_password
    assert window.project is not None
    assert window.project.id == demo_workspace.project_id
    assert not shown_errors
    window.close()
    with pytest.raises(WrongPasswordError):
        Session.sign_in(demo_workspace.root, "nina", one_time)
    again = Session.sign_in(demo_workspace.root, "nina", NEW_PASSWORD)
    assert not again.must_change_password
    again.lock()


def test_declining_new_password_opens_nothing(
    demo_workspace, open_console, dialogs, make_context, monkeypatch
) -> None:
    console = open_console(demo_workspace)
    one_time = add_user_in_console(console, dialogs, "nina")
    console.services.session.lock()
    controller = app.ClientController(
        make_context(demo_workspace.root, synchronous=True)
    )
    sign_in_through_dialog(monkeypatch, "nina", one_time)
    sessions: list[Session] = []

    def sign_out(dialog: PasswordChangeDialog) -> int:
        sessions.append(dialog._session)
        dialog.reject()
        return dialog.result()

    monkeypatch.setattr(PasswordChangeDialog, "exec", sign_out)

    assert controller.sign_in_and_open() is None
    assert controller.window is None
    assert sessions[0].is_locked
    still = Session.sign_in(demo_workspace.root, "nina", one_time)
    assert still.must_change_password
    still.lock()


def test_change_password_from_file_menu(
    demo_workspace, open_window, monkeypatch
) -> None:
    window = open_window(demo_workspace, "anna", synchronous=True)
    action = window.menu_actions.permission_actions["change_password"]
    assert action.isEnabled()
    messages: list[str] = []

    def change(dialog: PasswordChangeDialog) -> int:
        assert dialog.windowTitle() == "Change password"
        messages.append(
            type_into(dialog, "wrong-password-9", "anna-new-pass-2", "anna-new-pass-2")
        )
        type_into(dialog, PASSWORDS["anna"], "anna-new-pass-2", "anna-new-pass-2")
        return dialog.result()

    monkeypatch.setattr(PasswordChangeDialog, "exec", change)

    action.trigger()

    assert "wrong" in messages[0]
    assert window.statusBar().currentMessage() == "Password changed."
    with pytest.raises(WrongPasswordError):
        Session.sign_in(demo_workspace.root, "anna", PASSWORDS["anna"])
    Session.sign_in(demo_workspace.root, "anna", "anna-new-pass-2").lock()
