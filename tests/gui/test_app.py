"""Start-up: no display, workspace choice and persisted settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from labeler.gui import app

pytestmark = pytest.mark.gui


def test_no_display_prints_one_line(monkeypatch, capsys) -> None:
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(app.sys, "platform", "linux")

    status = app.run_client(["--workspace", "/nonexistent"])

    output = capsys.readouterr()
    assert status == 0
    assert len(output.out.strip().splitlines()) == 1
    assert "no display" in output.out


def test_workspace_argument_wins(monkeypatch, client_settings, tmp_path: Path) -> None:
    monkeypatch.setenv("LABELER_WORKSPACE", str(tmp_path / "from-env"))
    client_settings.set_last_workspace(tmp_path / "last")

    assert app.resolve_workspace(str(tmp_path / "arg"), client_settings) == tmp_path / "arg"
    assert app.resolve_workspace(None, client_settings) == tmp_path / "from-env"


def test_last_workspace_used_when_it_exists(monkeypatch, client_settings,
                                            demo_workspace) -> None:
    monkeypatch.delenv("LABELER_WORKSPACE", raising=False)
    client_settings.set_last_workspace(demo_workspace.root)

    assert app.resolve_workspace(None, client_settings) == demo_workspace.root


def test_settings_keep_only_allowed_keys(client_settings, tmp_path: Path) -> None:
    client_settings.set_last_workspace(tmp_path)
    client_settings.set_shortcut_overrides({"next_asset": "J"})
    client_settings.sync()

    assert client_settings.shortcut_overrides() == {"next_asset": "J"}
    keys = set(client_settings._settings.allKeys())
    assert keys <= {"workspace/last", "shortcuts/overrides",
                    "window/geometry", "window/state"}


def test_settings_drop_stored_user_name(tmp_path: Path) -> None:
    """A user name stored by an earlier version is removed when settings open."""
    path = str(tmp_path / "old.ini")
    old = QSettings(path, QSettings.Format.IniFormat)
    old.setValue("user/last", "anna")
    old.setValue("workspace/last", str(tmp_path))
    old.sync()

    settings = app.ClientSettings(QSettings(path, QSettings.Format.IniFormat))
    settings.sync()

    reread = QSettings(path, QSettings.Format.IniFormat)
    assert reread.value("user/last") is None
    assert reread.value("workspace/last") == str(tmp_path)
    assert "anna" not in (tmp_path / "old.ini").read_text()


def test_controller_signs_in_and_opens_project(qtbot, demo_workspace, make_context,
                                               client_settings, monkeypatch) -> None:
    from labeler.gui.sign_in_dialog import SignInDialog
    from tests.core.factories import PASSWORDS

    prefilled: list[str] = []

    def type_password(dialog: SignInDialog) -> int:
        prefilled.append(dialog.form.user_edit.text())
        dialog.form.user_edit.setText("anna")
        dialog.form.password_edit.setText(PASSWORDS["anna"])
        dialog.form.submit()
        return dialog.result()

    monkeypatch.setattr(SignInDialog, "exec", type_password)
    context = make_context(demo_workspace.root, synchronous=True)
    controller = app.ClientController(context)

    window = controller.sign_in_and_open()

    assert window is not None
    qtbot.addWidget(window)
    assert window.session.user == "anna"
    assert window.project is not None
    assert window.project.id == demo_workspace.project_id
    assert client_settings.last_workspace() == demo_workspace.root
    assert "user/last" not in client_settings._settings.allKeys()
    window.close()
    assert window.session.is_locked

    assert controller.sign_in_and_open() is not None
    controller.window.close()
    assert prefilled == ["", ""], "the sign-in dialog names no user, also the second time"


def test_controller_returns_none_on_cancel(demo_workspace, make_context, monkeypatch) -> None:
    from labeler.gui.sign_in_dialog import SignInDialog

    monkeypatch.setattr(SignInDialog, "exec", lambda dialog: SignInDialog.DialogCode.Rejected)
    controller = app.ClientController(make_context(demo_workspace.root, synchronous=True))

    assert controller.sign_in_and_open() is None


def test_sign_out_shows_sign_in_for_anyone(qtbot, demo_workspace, make_context,
                                           monkeypatch) -> None:
    from labeler.gui.sign_in_dialog import SignInDialog
    from tests.core.factories import PASSWORDS

    users = ["anna", "rita"]
    prefilled: list[str] = []

    def type_password(dialog: SignInDialog) -> int:
        prefilled.append(dialog.form.user_edit.text())
        user = users.pop(0)
        dialog.form.user_edit.setText(user)
        dialog.form.password_edit.setText(PASSWORDS[user])
        dialog.form.submit()
        return dialog.result()

    monkeypatch.setattr(SignInDialog, "exec", type_password)
    quits: list[bool] = []
    controller = app.ClientController(make_context(demo_workspace.root, synchronous=True),
                                      quit_application=lambda: quits.append(True))
    assert controller.start()
    first = controller.window
    assert first is not None  # the controller deletes it at sign-out, not qtbot
    first_session = first.session
    sign_out = first.menu_actions.by_id["sign_out"]
    assert sign_out.shortcut().toString() == "Ctrl+Shift+L"

    sign_out.trigger()

    assert first_session.is_locked
    qtbot.waitUntil(lambda: controller.window is not None and controller.window is not first)
    second = controller.window
    qtbot.addWidget(second)
    assert second.session.user == "rita"
    assert prefilled == ["", ""]
    assert quits == []
    second.close()
    assert quits == [True], "closing the window any other way ends the client"


def test_cancel_after_sign_out_quits(qtbot, demo_workspace, make_context,
                                     monkeypatch) -> None:
    from labeler.gui.sign_in_dialog import SignInDialog
    from tests.core.factories import PASSWORDS

    answers = ["anna", None]

    def answer(dialog: SignInDialog) -> int:
        user = answers.pop(0)
        if user is None:
            return SignInDialog.DialogCode.Rejected
        dialog.form.user_edit.setText(user)
        dialog.form.password_edit.setText(PASSWORDS[user])
        dialog.form.submit()
        return dialog.result()

    monkeypatch.setattr(SignInDialog, "exec", answer)
    quits: list[bool] = []
    controller = app.ClientController(make_context(demo_workspace.root, synchronous=True),
                                      quit_application=lambda: quits.append(True))
    assert controller.start()  # its window is deleted by the controller, not qtbot

    controller.window.sign_out()

    qtbot.waitUntil(lambda: quits == [True])
    assert controller.window is None
