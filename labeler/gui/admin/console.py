"""The admin console: one dialog with a tab per area of administration.

Tabs: Users (users, teams, roles), Projects (projects, buckets, field
policy), Settings, Profiles, Audit log, Import and Export. Each tab calls the
core through `AdminServices`; while a call runs, the tabs are disabled so no
second change starts on the same session. An import keeps only its own
controls disabled, so that its Cancel button stays usable.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from labeler.core.policy.roles import Permission
from labeler.gui.admin.audit_view import AuditLogWidget, audit_sources
from labeler.gui.admin.common import AdminServices
from labeler.gui.admin.export_tab import ExportWidget
from labeler.gui.admin.import_tab import ImportWidget
from labeler.gui.admin.profiles_tab import ProfilesTab
from labeler.gui.admin.projects_tab import ProjectsTab
from labeler.gui.admin.settings_tab import SettingsTab
from labeler.gui.admin.users_tab import UsersTab

logger = logging.getLogger(__name__)


class AdminConsoleDialog(QDialog):
    """Administration of one workspace by a session with the `manage` permission.

    The session is checked once here (`Session.require` raises PolicyError),
    and every change is checked again by the core.
    """

    def __init__(self, services: AdminServices, parent: QWidget | None = None) -> None:
        services.session.require(Permission.MANAGE)
        super().__init__(parent)
        self.setObjectName("adminConsole")
        self.setWindowTitle(self.tr("Labeler — admin console"))
        self.services = services
        services.on_busy = self._set_busy

        session = services.session
        header = QLabel(
            self.tr("Signed in as %s (%s) · workspace %s")
            % (session.user, session.role, session.workspace.root)
        )
        header.setObjectName("consoleHeader")
        header.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.users_tab = UsersTab(services)
        self.projects_tab = ProjectsTab(services)
        self.settings_tab = SettingsTab(services)
        self.profiles_tab = ProfilesTab(services)
        self.audit_tab = AuditLogWidget(services, audit_sources(session))
        self.import_tab = ImportWidget(services)
        self.export_tab = ExportWidget(services)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("consoleTabs")
        for widget, title in (
            (self.users_tab, self.tr("Users")),
            (self.projects_tab, self.tr("Projects")),
            (self.settings_tab, self.tr("Settings")),
            (self.profiles_tab, self.tr("Profiles")),
            (self.audit_tab, self.tr("Audit log")),
            (self.import_tab, self.tr("Import")),
            (self.export_tab, self.tr("Export")),
        ):
            self.tabs.addTab(widget, title)
        self.tabs.currentChanged.connect(self._on_tab_changed)
        for tab in (self.users_tab, self.projects_tab, self.settings_tab):
            tab.changed.connect(self.refresh)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(header)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)
        self.resize(1200, 780)

    def refresh(self) -> None:
        """Reload every tab from the manifest after any tab changed it."""
        for tab in (
            self.users_tab,
            self.projects_tab,
            self.settings_tab,
            self.profiles_tab,
            self.import_tab,
            self.export_tab,
        ):
            tab.refresh()
        self.audit_tab.set_sources(audit_sources(self.services.session))

    def _on_tab_changed(self, index: int) -> None:
        if self.tabs.widget(index) is self.audit_tab:
            self.audit_tab.reload()

    def _set_busy(self, busy: bool) -> None:
        self.tabs.setEnabled(not busy)

    def reject(self) -> None:
        if self.import_tab.is_running:
            self.tabs.setCurrentWidget(self.import_tab)
            self.import_tab.status_label.setText(
                self.tr(
                    "The import is still running. Cancel it first, then close the "
                    "console."
                )
            )
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.import_tab.is_running:
            event.ignore()
            self.reject()
            return
        super().closeEvent(event)
