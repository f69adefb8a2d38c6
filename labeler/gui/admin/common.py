"""Services shared by the admin tabs: running core calls, modal dialogs, tables.

`AdminServices` bundles what every tab needs: the signed-in session, the
`TaskRunner` that runs core calls off the UI thread, the error presenter and
a `DialogService`. Tests replace the dialog service so that modal boxes and
file choosers return scripted results without showing, and make the runner
synchronous.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Final

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from labeler.core.crypto.primitives import DEFAULT_KDF_COST, KdfCost
from labeler.core.session import Session
from labeler.gui.errors import ErrorPresenter, report_error, show_error_box
from labeler.gui.workers import TaskRunner

logger = logging.getLogger(__name__)

_BLOCKED_KEYS: Final = (
    QKeySequence.StandardKey.Copy,
    QKeySequence.StandardKey.Cut,
    QKeySequence.StandardKey.SelectAll,
)


def translate(text: str) -> str:
    """Translate text where no QObject is at hand (static helpers, parentless boxes)."""
    return QCoreApplication.translate("admin", text)


def _open_file(parent: QWidget | None, caption: str, name_filter: str) -> Path | None:
    chosen, _filter = QFileDialog.getOpenFileName(parent, caption, "", name_filter)
    return Path(chosen) if chosen else None


def _save_file(parent: QWidget | None, caption: str, name_filter: str) -> Path | None:
    chosen, _filter = QFileDialog.getSaveFileName(parent, caption, "", name_filter)
    return Path(chosen) if chosen else None


def _folder(parent: QWidget | None, caption: str) -> Path | None:
    chosen = QFileDialog.getExistingDirectory(parent, caption)
    return Path(chosen) if chosen else None


def _exec_box(box: QMessageBox) -> QMessageBox.StandardButton:
    box.exec()
    return box.standardButton(box.clickedButton())


def _exec_dialog(dialog: QDialog) -> int:
    return dialog.exec()


@dataclass
class DialogService:
    """Shows modal dialogs and file choosers; tests pass their own functions."""

    exec_box: Callable[[QMessageBox], QMessageBox.StandardButton] = _exec_box
    exec_dialog: Callable[[QDialog], int] = _exec_dialog
    choose_open_file: Callable[[QWidget | None, str, str], Path | None] = _open_file
    choose_save_file: Callable[[QWidget | None, str, str], Path | None] = _save_file
    choose_folder: Callable[[QWidget | None, str], Path | None] = _folder


@dataclass
class AdminServices:
    """The session, runner, error presenter and dialogs every admin tab uses."""

    session: Session
    runner: TaskRunner
    presenter: ErrorPresenter = show_error_box
    dialogs: DialogService = field(default_factory=DialogService)
    # Key-derivation cost for new keyrings and profiles; tests pass a cheap one.
    kdf_cost: KdfCost = DEFAULT_KDF_COST
    # Called with True while a core call runs, so the console can disable input.
    on_busy: Callable[[bool], None] = lambda _busy: None

    def run(
        self,
        parent: QWidget,
        action: str,
        function: Callable[[], Any],
        on_result: Callable[[Any], None],
        on_error: Callable[[BaseException], None] | None = None,
        *,
        blocks_input: bool = True,
    ) -> None:
        """Run `function` on the runner; report an error as a sentence titled `action`.

        With `blocks_input`, `on_busy` disables the console until the call
        returns. An import passes False, so that its Cancel button stays usable.
        """
        if blocks_input:
            self.on_busy(True)

        def finish(outcome: Any) -> None:
            if blocks_input:
                self.on_busy(False)
            on_result(outcome)

        def fail(error: BaseException) -> None:
            if blocks_input:
                self.on_busy(False)
            if on_error is not None:
                on_error(error)
            self.report(parent, action, error)

        self.runner.submit(function, on_result=finish, on_error=fail)

    def report(self, parent: QWidget | None, action: str, error: BaseException) -> None:
        report_error(parent, action, error, self.presenter)

    def inform(self, parent: QWidget | None, title: str, text: str) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Information,
            title,
            text,
            QMessageBox.StandardButton.Ok,
            parent,
        )
        self.dialogs.exec_box(box)


class FormDialog(QDialog):
    """A modal form with OK and Cancel; subclasses add rows to `form`."""

    def __init__(self, title: str, ok_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.form = QFormLayout()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(420)


def checkbox_column(
    names: list[str], object_prefix: str
) -> tuple[QWidget, dict[str, QCheckBox]]:
    """Return a column of check boxes, one per name, named "<prefix>:<name>"."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    checks = {}
    for name in names:
        check = QCheckBox(name)
        check.setObjectName(f"{object_prefix}:{name}")
        layout.addWidget(check)
        checks[name] = check
    if not names:
        layout.addWidget(QLabel(translate("(none yet)")))
    return box, checks


class ReadOnlyTableWidget(QTableWidget):
    """A table whose cells cannot be edited, selected, dragged or copied."""

    def __init__(self, headers: list[str], parent: QWidget | None = None) -> None:
        super().__init__(0, len(headers), parent)
        self.setHorizontalHeaderLabels(headers)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setDragEnabled(False)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.verticalHeader().setVisible(False)
        self.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.horizontalHeader().setStretchLastSection(True)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if any(event.matches(key) for key in _BLOCKED_KEYS):
            event.accept()
            return
        super().keyPressEvent(event)

    def set_rows(self, rows: list[list[str]]) -> None:
        self.setRowCount(len(rows))
        for row_number, row in enumerate(rows):
            for column, text in enumerate(row):
                item = QTableWidgetItem(text)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled)
                self.setItem(row_number, column, item)

    def column_texts(self, column: int) -> list[str]:
        texts = []
        for row in range(self.rowCount()):
            item = self.item(row, column)
            texts.append(item.text() if item is not None else "")
        return texts


class SelectableTableWidget(ReadOnlyTableWidget):
    """A read-only table where one whole row can be selected (users, buckets)."""

    def __init__(self, headers: list[str], parent: QWidget | None = None) -> None:
        super().__init__(headers, parent)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)

    def set_rows(self, rows: list[list[str]]) -> None:
        super().set_rows(rows)
        for row_number in range(self.rowCount()):
            for column in range(self.columnCount()):
                item = self.item(row_number, column)
                if item is not None:
                    item.setFlags(
                        Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                    )

    def selected_key(self) -> str:
        """Return the first-column text of the selected row, or "" when none is."""
        rows = self.selectionModel().selectedRows()
        if not rows:
            return ""
        item = self.item(rows[0].row(), 0)
        return item.text() if item is not None else ""

    def select_key(self, key: str) -> bool:
        for row, text in enumerate(self.column_texts(0)):
            if text == key:
                self.selectRow(row)
                return True
        return False
