"""Export a project's annotations as JSON (`export_annotations_json`, audited).

The export is the one place annotation content leaves the workspace in
plaintext, so the core checks the `export` permission itself. This widget
only picks the project and the file and runs the call on a worker.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from labeler.core.export import export_annotations_json
from labeler.core.session import Session
from labeler.gui.admin.common import AdminServices

logger = logging.getLogger(__name__)

JSON_FILTER = "JSON files (*.json);;All files (*)"


def export_project(session: Session, project_id: str, out: Path) -> int:
    """Export in a project opened only for this; return the number of annotations."""
    project = session.open_project(project_id)
    try:
        return export_annotations_json(project, out)
    finally:
        project.close()


class ExportWidget(QWidget):
    """Project, output file and an Export button."""

    def __init__(
        self,
        services: AdminServices,
        project_ids: list[str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self._project_ids = project_ids
        self.project_combo = QComboBox()
        self.project_combo.setObjectName("exportProject")
        self.out_edit = QLineEdit()
        self.out_edit.setObjectName("exportFile")
        browse = QPushButton(self.tr("Browse…"))
        browse.setAutoDefault(False)
        browse.clicked.connect(lambda _checked=False: self._browse())
        out_row = QHBoxLayout()
        out_row.addWidget(self.out_edit, 1)
        out_row.addWidget(browse)
        self.export_button = QPushButton(self.tr("Export annotations"))
        self.export_button.setObjectName("exportAnnotations")
        self.export_button.setAutoDefault(False)
        self.export_button.clicked.connect(lambda _checked=False: self.export())
        self.status_label = QLabel()
        self.status_label.setObjectName("exportStatus")
        self.status_label.setWordWrap(True)
        note = QLabel(
            self.tr(
                "The file contains every annotation of the project in plaintext "
                "JSON, with asset paths. Store it only where the project's data may "
                "go. The export is recorded in the project's audit log."
            )
        )
        note.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.tr("Project"), self.project_combo)
        form.addRow(self.tr("JSON file"), out_row)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.status_label)
        layout.addStretch(1)
        self.refresh()

    def refresh(self) -> None:
        ids = self._project_ids or [p["id"] for p in self.services.session.projects()]
        current = self.project_combo.currentText()
        self.project_combo.clear()
        self.project_combo.addItems(ids)
        if current in ids:
            self.project_combo.setCurrentText(current)

    def _browse(self) -> None:
        chosen = self.services.dialogs.choose_save_file(
            self, self.tr("Export the annotations to"), JSON_FILTER
        )
        if chosen is not None:
            self.out_edit.setText(str(chosen))

    def export(self) -> None:
        project_id = self.project_combo.currentText()
        if not self.out_edit.text().strip():
            self._browse()
        out_text = self.out_edit.text().strip()
        if not project_id or not out_text:
            self.status_label.setText(self.tr("Choose the file to export to."))
            return
        out = Path(out_text)
        session = self.services.session
        self.services.run(
            self,
            self.tr("Exporting the annotations of %s") % project_id,
            lambda: export_project(session, project_id, out),
            lambda count: self.status_label.setText(
                self.tr("Exported %d annotations of %s to %s.")
                % (count, project_id, out)
            ),
        )


class ExportDialog(QDialog):
    """The export on its own, for "File > Export annotations…"."""

    def __init__(
        self,
        services: AdminServices,
        project_ids: list[str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("exportDialog")
        self.setWindowTitle(self.tr("Export annotations"))
        self.exporter = ExportWidget(services, project_ids, self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.exporter)
        layout.addWidget(buttons)
        self.resize(640, 260)
