"""Import a bucket with a progress bar, a Cancel button and the per-file errors.

The import runs `run_import` on a `TaskRunner` worker, in a project opened
and closed on that worker. Progress reaches the UI thread through
`ProgressRelay`, a QObject whose signal is queued across threads. Cancel sets
an event that `run_import` polls between files; a stopped import keeps what
it committed and resumes when it is started again.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from labeler.core.ingest import ImportProgress, ImportReport, run_import
from labeler.core.session import Session
from labeler.gui.admin.common import AdminServices, ReadOnlyTableWidget, translate

logger = logging.getLogger(__name__)

ImportOutcome = tuple[ImportReport, list[tuple[str, str]]]


class ProgressRelay(QObject):
    """Carries progress from the import worker to the UI thread (queued signal)."""

    progressed = Signal(object)


def import_bucket(
    session: Session,
    project_id: str,
    bucket_id: str,
    progress: Callable[[ImportProgress], None],
    should_stop: Callable[[], bool],
) -> ImportOutcome:
    """Run one import in its own project; return the report and the failed files."""
    project = session.open_project(project_id)
    try:
        report = run_import(
            project, bucket_id, progress=progress, should_stop=should_stop
        )
        # A finished report lists the errors; a stopped one has not read them yet.
        errors = (
            report.failed if report.finished else project.import_errors(report.job_id)
        )
        return report, list(errors)
    finally:
        project.close()


def summarise(report: ImportReport, error_count: int) -> str:
    counts = translate(
        "%d added, %d changed, %d unchanged, %d moved, %d missing, %d not imported"
    ) % (
        report.added,
        report.changed,
        report.unchanged,
        len(report.moved),
        len(report.missing),
        error_count,
    )
    if report.finished:
        return translate("Import finished in %.1f s: %s.") % (report.seconds, counts)
    return translate("Import stopped: %s so far. Start it again to resume.") % counts


class ImportWidget(QWidget):
    """Project and bucket choice, Start and Cancel, progress, then the error list."""

    finished = Signal(object)

    def __init__(
        self,
        services: AdminServices,
        project_ids: list[str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self._project_ids = project_ids
        self._stop = threading.Event()
        self.is_running = False
        self.relay = ProgressRelay(self)
        self.relay.progressed.connect(self._show_progress)

        self.project_combo = QComboBox()
        self.project_combo.setObjectName("importProject")
        self.project_combo.currentIndexChanged.connect(
            lambda _index: self._fill_buckets()
        )
        self.bucket_combo = QComboBox()
        self.bucket_combo.setObjectName("importBucket")
        self.start_button = QPushButton(self.tr("Start import"))
        self.start_button.setObjectName("startImport")
        self.start_button.setAutoDefault(False)
        self.start_button.clicked.connect(lambda _checked=False: self.start())
        self.cancel_button = QPushButton(self.tr("Cancel import"))
        self.cancel_button.setObjectName("cancelImport")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(lambda _checked=False: self.cancel())
        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("importProgress")
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0)
        self.current_label = QLabel()
        self.current_label.setObjectName("importCurrent")
        self.status_label = QLabel()
        self.status_label.setObjectName("importStatus")
        self.status_label.setWordWrap(True)
        self.errors_table = ReadOnlyTableWidget(
            [self.tr("File"), self.tr("Why not imported")]
        )
        self.errors_table.setObjectName("importErrors")

        form = QFormLayout()
        form.addRow(self.tr("Project"), self.project_combo)
        form.addRow(self.tr("Bucket"), self.bucket_combo)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.current_label)
        layout.addWidget(self.status_label)
        layout.addWidget(QLabel(self.tr("Files not imported")))
        layout.addWidget(self.errors_table, 1)
        self.refresh()

    def refresh(self) -> None:
        if self.is_running:
            return
        session = self.services.session
        ids = self._project_ids or [project["id"] for project in session.projects()]
        current = self.project_combo.currentText()
        self.project_combo.blockSignals(True)
        self.project_combo.clear()
        self.project_combo.addItems(ids)
        if current in ids:
            self.project_combo.setCurrentText(current)
        self.project_combo.blockSignals(False)
        self._fill_buckets()

    def _buckets(self, project_id: str) -> dict[str, Any]:
        projects = self.services.session.workspace.manifest["projects"]
        return dict(projects.get(project_id, {}).get("buckets", {}))

    def _fill_buckets(self) -> None:
        self.bucket_combo.clear()
        buckets = self._buckets(self.project_combo.currentText())
        # Item text is "<bucket id>  <folder>"; the id is read back from before the gap.
        self.bucket_combo.addItems(
            [
                f"{bucket_id}  {bucket['path']}"
                for bucket_id, bucket in sorted(buckets.items())
            ]
        )
        self.start_button.setEnabled(bool(buckets) and not self.is_running)
        if not buckets and self.project_combo.count():
            self.status_label.setText(
                self.tr(
                    "This project has no bucket yet. An admin adds one in the "
                    "Projects tab."
                )
            )

    def selected_bucket(self) -> str:
        return self.bucket_combo.currentText().split("  ", 1)[0]

    def start(self) -> None:
        project_id = self.project_combo.currentText()
        bucket_id = self.selected_bucket()
        if self.is_running or not project_id or not bucket_id:
            return
        self._stop.clear()
        self._set_running(True)
        self.errors_table.set_rows([])
        self.progress_bar.setRange(0, 0)  # busy until the first progress report
        self.status_label.setText(
            self.tr("Importing %s into %s…") % (bucket_id, project_id)
        )
        session, relay, stop = self.services.session, self.relay, self._stop
        self.services.run(
            self,
            self.tr("Importing %s") % bucket_id,
            lambda: import_bucket(
                session, project_id, bucket_id, relay.progressed.emit, stop.is_set
            ),
            self._on_finished,
            on_error=self._on_failed,
            blocks_input=False,
        )

    def cancel(self) -> None:
        if not self.is_running:
            return
        self._stop.set()
        self.cancel_button.setEnabled(False)
        self.status_label.setText(self.tr("Stopping after the current file…"))

    def _show_progress(self, progress: ImportProgress) -> None:
        if not self.is_running:
            return
        self.progress_bar.setRange(0, max(progress.files_total, 1))
        self.progress_bar.setValue(progress.files_done)
        eta = (
            self.tr(", about %d s left") % round(progress.eta_seconds)
            if progress.eta_seconds is not None
            else ""
        )
        self.current_label.setText(
            self.tr("%d of %d files%s  %s")
            % (progress.files_done, progress.files_total, eta, progress.current)
        )

    def _on_finished(self, outcome: ImportOutcome) -> None:
        report, errors = outcome
        self._set_running(False)
        if report.finished:
            self.progress_bar.setRange(0, 1)
            self.progress_bar.setValue(1)
        self.current_label.clear()
        self.errors_table.set_rows([[path, reason] for path, reason in errors])
        self.status_label.setText(summarise(report, len(errors)))
        logger.info(
            "Import job %d of bucket %s: finished=%s, %d not imported",
            report.job_id,
            self.selected_bucket(),
            report.finished,
            len(errors),
        )
        self.finished.emit(report)

    def _on_failed(self, _error: BaseException) -> None:
        self._set_running(False)
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0)
        self.current_label.clear()
        self.status_label.setText(
            self.tr(
                "The import failed. Files committed before the failure are kept; start "
                "the import again to resume."
            )
        )

    def _set_running(self, running: bool) -> None:
        self.is_running = running
        self.start_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.project_combo.setEnabled(not running)
        self.bucket_combo.setEnabled(not running)


class ImportDialog(QDialog):
    """The import on its own, for "File > Import…"; it cannot close mid-import."""

    def __init__(
        self,
        services: AdminServices,
        project_ids: list[str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("importDialog")
        self.setWindowTitle(self.tr("Import a bucket"))
        self.importer = ImportWidget(services, project_ids, self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.importer)
        layout.addWidget(buttons)
        self.resize(760, 520)

    def reject(self) -> None:
        if self.importer.is_running:
            self.importer.status_label.setText(
                self.tr("The import is still running. Cancel it first, then close.")
            )
            return
        super().reject()
