"""The fields dock: an asset's metadata exactly as `Project.fields_for_user` returns it.

Visible values are shown, masked values are shown and marked "masked", and
hidden fields show the word "hidden" and no value (the core gives none).
Nothing in this panel can be selected or copied: items are not selectable,
Ctrl+C and Ctrl+A are swallowed, there is no context menu and no drag. That
way no field value, masked or not, reaches the clipboard from here.
"""

from __future__ import annotations

from typing import Final, Iterable

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QHeaderView,
    QLabel,
    QStackedWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from labeler.core.policy.fields import Visibility
from labeler.core.project import FieldView

_BLOCKED_KEYS: Final = (QKeySequence.StandardKey.Copy, QKeySequence.StandardKey.Cut,
                        QKeySequence.StandardKey.SelectAll)


class NoCopyTreeWidget(QTreeWidget):
    """A tree whose items cannot be selected, copied, dragged or edited."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setDragEnabled(False)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if any(event.matches(key) for key in _BLOCKED_KEYS):
            event.accept()
            return
        super().keyPressEvent(event)


def _fixed_label(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
    label.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
    label.setWordWrap(True)
    return label


class FieldsPanelWidget(QWidget):
    """Asset facts, display notes and fields; `set_content_hidden` blanks it when locked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary_label = _fixed_label()
        self.summary_label.setObjectName("assetSummary")
        self.access_label = _fixed_label()
        self.access_label.setObjectName("accessNote")
        self.access_label.setStyleSheet("font-weight: bold;")
        self.notes_label = _fixed_label()
        self.notes_label.setObjectName("displayNotes")
        self.notes_label.setStyleSheet("color: #b35c00;")
        self.tree = NoCopyTreeWidget()
        self.tree.setObjectName("fieldsTree")
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels([self.tr("Field"), self.tr("Value"), self.tr("Shown as")])
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(60)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)

        content = QWidget()
        content_layout = QVBoxLayout(content)
        content_layout.setContentsMargins(0, 0, 0, 0)
        content_layout.addWidget(self.summary_label)
        content_layout.addWidget(self.access_label)
        content_layout.addWidget(self.notes_label)
        content_layout.addWidget(self.tree)
        locked = _fixed_label(self.tr("Locked"))
        locked.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._pages = QStackedWidget()
        self._pages.addWidget(content)
        self._pages.addWidget(locked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self._pages)
        self.clear()

    def clear(self) -> None:
        self.summary_label.setText(self.tr("No asset open"))
        self.set_access_note("")
        self.notes_label.clear()
        self.notes_label.hide()
        self.tree.clear()

    def show_fields(self, summary: str, fields: Iterable[FieldView]) -> None:
        """Show one asset's summary line and its fields as the user may see them."""
        self.summary_label.setText(summary)
        self.tree.clear()
        hidden_brush = QBrush(QColor("#888888"))
        for field in fields:
            item = QTreeWidgetItem()
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            item.setText(0, field.name)
            if field.visibility == Visibility.HIDDEN or field.value is None:
                item.setText(1, self.tr("hidden"))
                item.setText(2, self.tr("hidden"))
                italic = QFont(self.tree.font())
                italic.setItalic(True)
                for column in range(3):
                    item.setForeground(column, hidden_brush)
                item.setFont(1, italic)
            else:
                item.setText(1, field.value)
                item.setText(2, self.tr("masked") if field.visibility == Visibility.MASKED
                             else self.tr("visible"))
            self.tree.addTopLevelItem(item)

    def set_summary(self, summary: str) -> None:
        """Replace the summary line (its review state changes with review actions)."""
        self.summary_label.setText(summary)

    def summary(self) -> str:
        return self.summary_label.text()

    def set_access_note(self, text: str) -> None:
        """Say why the asset is read-only; "" hides the line."""
        self.access_label.setText(text)
        self.access_label.setVisible(bool(text))

    def access_note(self) -> str:
        return self.access_label.text()

    def set_notes(self, notes: Iterable[str]) -> None:
        """Show display notes (first frame only, reduced view, decode errors)."""
        text = "\n".join(note for note in notes if note)
        self.notes_label.setText(text)
        self.notes_label.setVisible(bool(text))

    def notes(self) -> str:
        return self.notes_label.text()

    def set_content_hidden(self, hidden: bool) -> None:
        self._pages.setCurrentIndex(1 if hidden else 0)


def make_fields_dock(panel: FieldsPanelWidget, parent: QWidget) -> QDockWidget:
    dock = QDockWidget(parent.tr("Fields"), parent)
    dock.setObjectName("fieldsDock")
    dock.setWidget(panel)
    dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                     | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
    return dock
