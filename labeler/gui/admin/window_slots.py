"""Slots of the main window's admin and password menu entries.

`AdminMenuSlots` is a base class of `MainWindow` that contains these slots,
so the window module stays small. Each slot checks the permission through
the core (`Session.require` raises PolicyError) before it shows anything, so
a slot called while its menu entry is disabled shows the plain "your role
does not allow this" message and writes nothing.

`DIALOGS` and `KDF_COST` are module settings, so that tests can script the
modal dialogs and use a cheap key derivation.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Callable, cast

from PySide6.QtWidgets import QDialog

from labeler.core.crypto.primitives import DEFAULT_KDF_COST, KdfCost
from labeler.core.errors import LabelerError
from labeler.core.policy.roles import Permission
from labeler.gui.admin.audit_view import AuditLogDialog, audit_sources
from labeler.gui.admin.common import AdminServices, DialogService, translate
from labeler.gui.admin.console import AdminConsoleDialog
from labeler.gui.admin.export_tab import ExportDialog
from labeler.gui.admin.import_tab import ImportDialog, ImportWidget
from labeler.gui.errors import report_error
from labeler.gui.idle_lock import IdleLockController
from labeler.gui.password_dialogs import change_own_password

if TYPE_CHECKING:
    from labeler.gui.main_window import MainWindow

logger = logging.getLogger(__name__)

DIALOGS: DialogService = DialogService()
KDF_COST: KdfCost = DEFAULT_KDF_COST


def make_services(window: MainWindow) -> AdminServices:
    return AdminServices(
        window.session,
        window.context.runner,
        window.context.error_presenter,
        DIALOGS,
        KDF_COST,
    )


def _is_allowed(
    window: MainWindow, services: AdminServices, permission: Permission, action: str
) -> bool:
    try:
        window.session.require(permission)
    except LabelerError as error:
        services.report(window, action, error)
        return False
    return True


def _current_project(window: MainWindow) -> list[str]:
    return [window.project.id] if window.project is not None else []


def exec_until_idle(
    window: MainWindow,
    services: AdminServices,
    dialog: QDialog,
    importer: ImportWidget | None = None,
) -> bool:
    """Show a modal dialog under its own idle timer; return whether it closed idle.

    The window's idle lock would lock the session underneath the dialog while
    a core call may still use it, so that lock pauses. After the same time
    without input, this timer stops an import at its next file, waits for the
    running call and closes the dialog, and the caller then locks the window.
    """
    window.idle_lock.stop()
    idle = IdleLockController(window.idle_lock.interval_ms / 1000, dialog)
    went_idle: list[bool] = []

    def close_when_idle() -> None:
        if importer is not None:
            importer.cancel()
        services.runner.wait_for_workers()
        went_idle.append(True)
        dialog.done(QDialog.DialogCode.Rejected)

    idle.idle_timeout.connect(close_when_idle)
    idle.start()
    try:
        services.dialogs.exec_dialog(dialog)
    finally:
        idle.stop()
        window.idle_lock.start()
        window.focus_current_view()
    return bool(went_idle)


def open_admin_console(window: MainWindow) -> bool:
    """Show the admin console; return whether it closed after a time without input."""
    services = make_services(window)
    action = translate("Opening the admin console")
    if not _is_allowed(window, services, Permission.MANAGE, action):
        return False
    logger.info("Admin console opened by %s", window.session.user)
    console = AdminConsoleDialog(services, window)
    return exec_until_idle(window, services, console, console.import_tab)


def open_import(window: MainWindow) -> tuple[bool, bool]:
    """Show the import dialog for the window's project.

    Returns whether an import ran, and whether the dialog closed idle.
    """
    services = make_services(window)
    if not _is_allowed(window, services, Permission.IMPORT, translate("Importing")):
        return False, False
    dialog = ImportDialog(services, _current_project(window), window)
    reports: list[object] = []
    dialog.importer.finished.connect(reports.append)
    went_idle = exec_until_idle(window, services, dialog, dialog.importer)
    return bool(reports), went_idle


def open_export(window: MainWindow) -> bool:
    """Show the export dialog; return whether it closed idle."""
    services = make_services(window)
    if not _is_allowed(
        window, services, Permission.EXPORT, translate("Exporting the annotations")
    ):
        return False
    dialog = ExportDialog(services, _current_project(window), window)
    return exec_until_idle(window, services, dialog)


def open_audit_log(window: MainWindow) -> bool:
    """Show the audit log; return whether it closed idle."""
    services = make_services(window)
    if not _is_allowed(
        window, services, Permission.READ_AUDIT, translate("Reading the audit log")
    ):
        return False
    dialog = AuditLogDialog(
        services, audit_sources(window.session, _current_project(window)), window
    )
    dialog.viewer.reload()
    return exec_until_idle(window, services, dialog)


class AdminMenuSlots:
    """Slots of the Admin menu and of File > Import, Export and Change password.

    Mixed into `MainWindow`, whose session, context and project they use.
    Every slot does nothing while the window is locked.
    """

    def open_admin_console(self) -> None:
        """Open the admin console with the project closed, as it may rekey the store."""
        window = self._window()
        if window.is_locked:
            return
        went_idle: list[bool] = []
        self.reload_project(
            while_closed=lambda: went_idle.append(open_admin_console(window))
        )
        if any(went_idle):
            window.lock(reason=window.tr("Locked after a period without input."))

    def open_import(self) -> None:
        window = self._window()
        if window.is_locked:
            return
        imported, went_idle = open_import(window)
        if imported:
            self.reload_project()  # show the new assets
        if went_idle:
            window.lock(reason=window.tr("Locked after a period without input."))

    def open_export(self) -> None:
        window = self._window()
        if not window.is_locked and open_export(window):
            window.lock(reason=window.tr("Locked after a period without input."))

    def open_audit_log(self) -> None:
        window = self._window()
        if not window.is_locked and open_audit_log(window):
            window.lock(reason=window.tr("Locked after a period without input."))

    def change_password(self) -> None:
        window = self._window()
        if not window.is_locked and change_own_password(
            window.session, window.context.runner, window
        ):
            window.statusBar().showMessage(window.tr("Password changed."), 5000)
        window.focus_current_view()

    def reload_project(self, while_closed: Callable[[], object] | None = None) -> None:
        """Close the project, run `while_closed`, then open the project again."""
        window = self._window()
        for runner in (window.context.runner, window.context.thumbnail_runner):
            if runner is not None:
                runner.wait_for_workers()
        window._close_project()
        try:
            if while_closed is not None:
                while_closed()
        finally:
            try:
                window._open_project(window._project_id)
            except LabelerError as error:
                report_error(
                    window,
                    window.tr("Reopening the project"),
                    error,
                    window.context.error_presenter,
                )

    def _window(self) -> MainWindow:
        return cast("MainWindow", self)  # only MainWindow mixes this class in
