"""Start-up: no display, workspace choice and persisted settings."""

from __future__ import annotations

from pathlib import Path

import pytest

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
    client_settings.set_last_user("anna")
    client_settings.set_last_workspace(tmp_path)
    client_settings.set_shortcut_overrides({"next_asset": "J"})
    client_settings.sync()

    assert client_settings.last_user() == "anna"
    assert client_settings.shortcut_overrides() == {"next_asset": "J"}
    keys = set(client_settings._settings.allKeys())
    assert keys <= {"user/last", "workspace/last", "shortcuts/overrides",
                    "window/geometry", "window/state"}


def test_controller_signs_in_and_opens_project(qtbot, demo_workspace, make_context,
                                               client_settings, monkeypatch) -> None:
    from labeler.gui.sign_in_dialog import SignInDialog
    from tests.core.factories import PASSWORDS

    def type_password(dialog: SignInDialog) -> int:
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
    assert client_settings.last_user() == "anna"
    assert client_settings.last_workspace() == demo_workspace.root
    window.close()
    assert window.session.is_locked


def test_controller_returns_none_on_cancel(demo_workspace, make_context, monkeypatch) -> None:
    from labeler.gui.sign_in_dialog import SignInDialog

    monkeypatch.setattr(SignInDialog, "exec", lambda dialog: SignInDialog.DialogCode.Rejected)
    controller = app.ClientController(make_context(demo_workspace.root, synchronous=True))

    assert controller.sign_in_and_open() is None
