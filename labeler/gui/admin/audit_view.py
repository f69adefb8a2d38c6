"""Read-only views of the workspace audit log and the project audit logs.

The workspace log is sealed to the organisation key, so only a session that
has that key (an admin) can read it. A project log needs the `read_audit`
permission, which `Project.read_audit` checks. Entries never contain field
values or content. The table still allows no selection and no copying, like
every other table of recorded data in the client.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any, Callable

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from labeler.core.policy.roles import Permission
from labeler.core.session import Session
from labeler.gui.admin.common import AdminServices, ReadOnlyTableWidget, translate

logger = logging.getLogger(__name__)

AuditEntries = list[dict[str, Any]]


@dataclass(frozen=True)
class AuditSource:
    """One log the viewer can show: its title and the core call that reads it."""

    title: str
    read: Callable[[], AuditEntries]


def read_project_audit(session: Session, project_id: str) -> AuditEntries:
    """Open a project only to read its audit log, then close it again."""
    project = session.open_project(project_id)
    try:
        return project.read_audit()
    finally:
        project.close()


def audit_sources(
    session: Session, project_ids: list[str] | None = None
) -> list[AuditSource]:
    """Return the logs this session may read: the workspace log first, if it can."""
    sources = []
    if session.can(Permission.READ_AUDIT) and session.keyring.org is not None:
        sources.append(
            AuditSource(translate("Workspace log"), session.read_workspace_audit)
        )
    ids = (
        project_ids
        if project_ids is not None
        else [p["id"] for p in session.projects()]
    )
    for project_id in ids:
        sources.append(
            AuditSource(
                translate("Project log: %s") % project_id,
                lambda project_id=project_id: read_project_audit(session, project_id),
            )
        )
    return sources


def entry_row(entry: dict[str, Any]) -> list[str]:
    details = entry.get("details") or {}
    return [
        str(entry.get("seq", "")),
        str(entry.get("at", "")),
        str(entry.get("user", "")),
        str(entry.get("action", "")),
        str(entry.get("object", "")),
        json.dumps(details, sort_keys=True, ensure_ascii=False) if details else "",
    ]


class AuditLogWidget(QWidget):
    """A source chooser, a Reload button and the entries of the chosen log."""

    def __init__(
        self,
        services: AdminServices,
        sources: list[AuditSource],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.sources = sources
        self.source_combo = QComboBox()
        self.source_combo.setObjectName("auditSource")
        self.source_combo.addItems([source.title for source in sources])
        self.source_combo.currentIndexChanged.connect(lambda _index: self.reload())
        reload_button = QPushButton(self.tr("Reload"))
        reload_button.setObjectName("reloadAudit")
        reload_button.setAutoDefault(False)
        reload_button.clicked.connect(lambda _checked=False: self.reload())

        self.table = ReadOnlyTableWidget(
            [
                self.tr("#"),
                self.tr("Time (UTC)"),
                self.tr("User"),
                self.tr("Action"),
                self.tr("Object"),
                self.tr("Details"),
            ]
        )
        self.table.setObjectName("auditTable")
        self.status_label = QLabel()
        self.status_label.setObjectName("auditStatus")

        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Log")))
        top.addWidget(self.source_combo, 1)
        top.addWidget(reload_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status_label)
        if not sources:
            self.status_label.setText(self.tr("Your role may read no audit log."))

    def set_sources(self, sources: list[AuditSource]) -> None:
        """Replace the logs offered, keeping the chosen one when it is still there."""
        current = self.source_combo.currentText()
        self.sources = sources
        self.source_combo.blockSignals(True)
        self.source_combo.clear()
        self.source_combo.addItems([source.title for source in sources])
        if current:
            self.source_combo.setCurrentText(current)
        self.source_combo.blockSignals(False)

    def reload(self) -> None:
        index = self.source_combo.currentIndex()
        if not 0 <= index < len(self.sources):
            return
        source = self.sources[index]
        self.status_label.setText(self.tr("Reading %s…") % source.title)

        def show(entries: AuditEntries) -> None:
            self.table.set_rows([entry_row(entry) for entry in reversed(entries)])
            self.status_label.setText(
                self.tr("%s: %d entries, newest first.") % (source.title, len(entries))
            )

        def failed(_error: BaseException) -> None:
            self.table.set_rows([])
            self.status_label.setText(self.tr("%s could not be read.") % source.title)

        self.services.run(
            self, self.tr("Reading the audit log"), source.read, show, on_error=failed
        )


class AuditLogDialog(QDialog):
    """The audit viewer on its own, for "Admin > Audit log…"."""

    def __init__(
        self,
        services: AdminServices,
        sources: list[AuditSource],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("auditLogDialog")
        self.setWindowTitle(self.tr("Audit log"))
        self.viewer = AuditLogWidget(services, sources, self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.viewer)
        layout.addWidget(buttons)
        self.resize(1000, 600)
