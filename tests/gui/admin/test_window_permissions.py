"""Admin menu entries follow the role, and their slots ask the core anyway."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QDialog

from labeler.core.admin import add_role
from labeler.core.crypto.primitives import TEST_KDF_COST
from labeler.core.policy.roles import BUILT_IN_ROLES, Permission
from labeler.gui.admin import window_slots
from labeler.gui.admin.audit_view import AuditLogDialog
from labeler.gui.admin.console import AdminConsoleDialog
from labeler.gui.admin.export_tab import ExportDialog
from labeler.gui.admin.import_tab import ImportDialog
from tests.core.factories import PASSWORDS
from tests.gui.admin.test_console import FakeDialogs
from tests.gui.test_main_window import set_workspace_setting

pytestmark = pytest.mark.gui

ACTION_PERMISSIONS = {
    "admin_console": Permission.MANAGE,
    "import_bucket": Permission.IMPORT,
    "export_annotations": Permission.EXPORT,
    "audit_log": Permission.READ_AUDIT,
}


@pytest.fixture
def fake_dialogs(monkeypatch) -> FakeDialogs:  # type: ignore[no-untyped-def]
    dialogs = FakeDialogs()
    monkeypatch.setattr(window_slots, "DIALOGS", dialogs.service())
    monkeypatch.setattr(window_slots, "KDF_COST", TEST_KDF_COST)
    return dialogs


def menu_texts(window) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    return {
        menu_action.text(): [action.text() for action in menu_action.menu().actions()]
        for menu_action in window.menuBar().actions()
        if menu_action.menu()
    }


@pytest.mark.parametrize(
    ("user", "role"), [("admin", "admin"), ("rita", "reviewer"), ("anna", "annotator")]
)
def test_actions_follow_built_in_role(
    demo_workspace, open_window, user: str, role: str
) -> None:
    window = open_window(demo_workspace, user, synchronous=True)
    actions = window.menu_actions.permission_actions

    for action_id, permission in ACTION_PERMISSIONS.items():
        allowed = permission in BUILT_IN_ROLES[role]
        assert actions[action_id].isEnabled() == allowed, action_id
    assert actions["change_password"].isEnabled()
    menus = menu_texts(window)
    assert "Admin &console…" in menus["&Admin"]
    assert "&Audit log…" in menus["&Admin"]
    assert {"&Import…", "&Export annotations…", "Change &password…"} <= set(
        menus["&File"]
    )


def test_lock_and_unlock_keep_annotator_actions_disabled(
    demo_workspace, open_window
) -> None:
    window = open_window(demo_workspace, "anna", synchronous=True)
    window.lock()
    window.lock_screen.form.password_edit.setText(PASSWORDS["anna"])
    window.lock_screen.form.submit()
    assert not window.is_locked

    for action_id in ACTION_PERMISSIONS:
        assert not window.menu_actions.permission_actions[action_id].isEnabled(), (
            action_id
        )


def test_annotator_slots_show_not_allowed(
    demo_workspace, open_window, fake_dialogs, shown_errors, tmp_path: Path
) -> None:
    out = tmp_path / "export.json"
    fake_dialogs.paths.append(out)
    window = open_window(demo_workspace, "anna", synchronous=True)

    window.open_export()
    window.open_import()
    window.open_audit_log()
    window.open_admin_console()

    texts = [message.text for message in shown_errors]
    assert texts == [
        "User 'anna' (annotator) may not export.",
        "User 'anna' (annotator) may not import.",
        "User 'anna' (annotator) may not read audit.",
        "User 'anna' (annotator) may not manage.",
    ]
    assert [message.details for message in shown_errors] == [""] * 4
    assert not any("Traceback" in text for text in texts)
    assert fake_dialogs.shown == [], "no dialog opens for a role without the permission"
    assert not out.exists()
    assert window.project is not None, "the project is open again after the refusal"


def test_reviewer_reads_audit_only_with_read_audit(
    demo_workspace, open_window, fake_dialogs, shown_errors, monkeypatch
) -> None:
    assert Permission.READ_AUDIT not in BUILT_IN_ROLES["reviewer"]
    reviewer = open_window(demo_workspace, "rita", synchronous=True)
    assert not reviewer.menu_actions.permission_actions["audit_log"].isEnabled()
    reviewer.open_audit_log()
    assert [message.text for message in shown_errors] == [
        "User 'rita' (reviewer) may not read audit."
    ]
    reviewer.close()

    admin = demo_workspace.sign_in("admin")
    add_role(admin, "auditing-reviewer", ["view", "annotate", "review", "read_audit"])
    admin.add_user(
        "olga", "auditing-reviewer", "auditor-pass-1", ["team"], TEST_KDF_COST
    )
    admin.lock()
    # open_window signs in with the shared password table.
    monkeypatch.setitem(PASSWORDS, "olga", "auditor-pass-1")
    auditor = open_window(demo_workspace, "olga", synchronous=True)
    assert auditor.menu_actions.permission_actions["audit_log"].isEnabled()
    fake_dialogs.handlers[AuditLogDialog] = lambda dialog: QDialog.DialogCode.Rejected

    auditor.open_audit_log()

    assert len(shown_errors) == 1
    dialog = fake_dialogs.shown[-1]
    assert isinstance(dialog, AuditLogDialog)
    titles = [source.title for source in dialog.viewer.sources]
    assert titles == [f"Project log: {demo_workspace.project_id}"], (
        "only admins hold the key of the workspace log"
    )
    assert "import_finished" in dialog.viewer.table.column_texts(3)


def test_admin_slots_export_import_audit(
    demo_workspace, open_window, fake_dialogs, shown_errors, tmp_path: Path
) -> None:
    window = open_window(demo_workspace, "admin", synchronous=True)
    out = tmp_path / "annotations.json"

    def export(dialog: ExportDialog) -> int:
        dialog.exporter.out_edit.setText(str(out))
        dialog.exporter.export_button.click()
        return QDialog.DialogCode.Rejected

    def run_import(dialog: ImportDialog) -> int:
        dialog.importer.start_button.click()
        return QDialog.DialogCode.Rejected

    fake_dialogs.handlers.update({ExportDialog: export, ImportDialog: run_import})

    window.open_export()
    window.open_import()
    window.open_audit_log()
    window.open_admin_console()

    assert not shown_errors
    assert (
        json.loads(out.read_text(encoding="utf-8"))["project"]
        == demo_workspace.project_id
    )
    kinds = [type(dialog) for dialog in fake_dialogs.shown]
    assert kinds == [ExportDialog, ImportDialog, AuditLogDialog, AdminConsoleDialog]
    importer = fake_dialogs.shown[1].importer
    assert "Import finished" in importer.status_label.text()
    assert fake_dialogs.shown[2].viewer.table.rowCount() > 0
    assert window.project is not None, "the project reopens after the console closes"
    assert window.asset_model.rowCount() > 0


def test_idle_console_closes_then_window_locks(
    qtbot, demo_workspace, open_window, fake_dialogs
) -> None:
    set_workspace_setting(demo_workspace, "idle_lock_seconds", 1)
    window = open_window(demo_workspace, "admin", synchronous=True)
    results: list[int] = []

    def wait_until_closed(dialog: QDialog) -> int:
        dialog.show()
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10_000)
        assert not window.is_locked, "the window must not lock under the open console"
        results.append(dialog.result())
        return dialog.result()

    fake_dialogs.handlers[AdminConsoleDialog] = wait_until_closed

    window.open_admin_console()

    assert results == [QDialog.DialogCode.Rejected]
    assert window.is_locked
    assert window.session.is_locked


def enabled_menu_entries(window) -> set[str]:  # type: ignore[no-untyped-def]
    return {
        action.objectName()
        for menu_action in window.menuBar().actions()
        if menu_action.menu()
        for action in menu_action.menu().actions()
        if not action.isSeparator() and action.isEnabled()
    }


@pytest.mark.parametrize("user", ["admin", "rita", "anna"])
def test_lock_screen_leaves_only_quit_help_sign_out(
    demo_workspace, open_window, user: str
) -> None:
    window = open_window(demo_workspace, user, synchronous=True)
    unlocked = enabled_menu_entries(window)

    window.lock()

    assert enabled_menu_entries(window) == {"quit", "help", "sign_out"}
    assert not window.menu_actions.edit_shortcuts.isEnabled()
    window.lock_screen.form.password_edit.setText(PASSWORDS[user])
    window.lock_screen.form.submit()
    assert not window.is_locked
    assert enabled_menu_entries(window) == unlocked


def test_unlock_enables_review_actions_by_role(demo_workspace, open_window) -> None:
    window = open_window(demo_workspace, "anna", synchronous=True)
    window.lock()
    window.lock_screen.form.password_edit.setText(PASSWORDS["anna"])
    window.lock_screen.form.submit()
    actions = window.menu_actions.permission_actions

    assert actions["submit_review"].isEnabled()
    assert actions["change_password"].isEnabled()
    assert not actions["approve_asset"].isEnabled()
    assert not actions["reject_asset"].isEnabled()
    assert window.menu_actions.edit_shortcuts.isEnabled()


def test_closing_admin_dialog_returns_focus_to_view(
    qtbot, demo_workspace, open_window, fake_dialogs
) -> None:
    window = open_window(demo_workspace, "admin", synchronous=True)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.browser.view.setFocus()
    fake_dialogs.handlers[AuditLogDialog] = lambda dialog: QDialog.DialogCode.Rejected

    window.open_audit_log()

    qtbot.waitUntil(lambda: window.central.currentWidget().hasFocus()
                    or window.central.currentWidget().isAncestorOf(
                        QApplication.focusWidget()))
