"""The side panel of the text view: labels, spans, relations, document values, comments.

The panel only shows and collects; the view (`labeler.gui.text_view`) decides
what an action does and commits it through the service.
"""

from __future__ import annotations

import bisect
import html
from typing import Any, Callable, Mapping, Sequence

from PySide6.QtCore import (
    QAbstractListModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHeaderView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from labeler.core.annotations import Annotation
from labeler.core.model.ontology import Attribute, Ontology
from labeler.core.text_annotations import SPAN, SpanKey

EXCERPT_LENGTH = 40
ANNOTATION_ID_ROLE = Qt.ItemDataRole.UserRole + 1


def _tr(text: str) -> str:
    return QCoreApplication.translate("text_view", text)


def excerpt(text: str, start: int, end: int) -> str:
    """Return a one-line excerpt of text[start:end] for lists in the panel."""
    piece = text[start:min(end, start + EXCERPT_LENGTH)]
    piece = " ".join(piece.split())
    return piece + ("…" if end - start > EXCERPT_LENGTH else "")


class SpanListModel(QAbstractListModel):
    """The document's spans in text order; rows are built only when shown."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._keys: list[SpanKey] = []
        self._label_of: Callable[[str], str] = lambda span_id: ""
        self._colors: dict[str, QColor] = {}
        self._text = ""

    def reset(self, keys: Sequence[SpanKey], label_of: Callable[[str], str], text: str,
              colors: Mapping[str, QColor]) -> None:
        """Show `keys`, sorted as `SpanIndex.keys` returns them; `label_of` names labels."""
        self.beginResetModel()
        self._keys = list(keys)
        self._label_of = label_of
        self._text = text
        self._colors = dict(colors)
        self.endResetModel()

    def insert(self, key: SpanKey) -> None:
        row = bisect.bisect_left(self._keys, key)
        self.beginInsertRows(QModelIndex(), row, row)
        self._keys.insert(row, key)
        self.endInsertRows()

    def remove(self, key: SpanKey) -> None:
        row = bisect.bisect_left(self._keys, key)
        if row >= len(self._keys) or self._keys[row] != key:
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._keys[row]
        self.endRemoveRows()

    def row_of(self, key: SpanKey) -> int:
        row = bisect.bisect_left(self._keys, key)
        return row if row < len(self._keys) and self._keys[row] == key else -1

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._keys)

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._keys):
            return None
        start, end, span_id = self._keys[index.row()]
        label = self._label_of(span_id)
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{label}  {start}–{end}  {excerpt(self._text, start, end)}"
        if role == Qt.ItemDataRole.DecorationRole:
            return self._colors.get(label)
        if role == ANNOTATION_ID_ROLE:
            return span_id
        return None


class AttributeForm(QWidget):
    """Editors for a list of attributes; emits the whole value table on each commit."""

    values_committed = Signal(dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QFormLayout(self)
        self._readers: dict[str, Callable[[], Any]] = {}
        self._writers: dict[str, Callable[[Any], None]] = {}
        self._editors: dict[str, QWidget] = {}

    def set_attributes(self, attributes: Sequence[Attribute]) -> None:
        while self._layout.rowCount():
            self._layout.removeRow(0)
        self._readers.clear()
        self._writers.clear()
        self._editors.clear()
        if not attributes:
            self._layout.addRow(QLabel(_tr("No attributes.")))
        for attribute in attributes:
            editor = self._editor_for(attribute)
            self._editors[attribute.name] = editor
            self._layout.addRow(attribute.name, editor)

    def _editor_for(self, attribute: Attribute) -> QWidget:
        name = attribute.name
        if attribute.type == "bool":
            box = QCheckBox()
            box.toggled.connect(self._commit)
            self._readers[name] = box.isChecked
            self._writers[name] = lambda value, box=box: box.setChecked(bool(value))
            return box
        if attribute.type == "choice":
            combo = QComboBox()
            combo.addItem("", None)
            for choice in attribute.choices:
                combo.addItem(choice, choice)
            combo.activated.connect(self._commit)
            self._readers[name] = combo.currentData
            self._writers[name] = lambda value, combo=combo: combo.setCurrentIndex(
                max(0, combo.findData(value)))
            return combo
        if attribute.type == "number":
            spin = QDoubleSpinBox()
            spin.setRange(-1e12, 1e12)
            spin.setDecimals(3)
            spin.editingFinished.connect(self._commit)
            self._readers[name] = spin.value
            self._writers[name] = lambda value, spin=spin: spin.setValue(float(value or 0))
            return spin
        line = QLineEdit()
        line.editingFinished.connect(self._commit)
        self._readers[name] = lambda line=line: line.text() or None
        self._writers[name] = lambda value, line=line: line.setText(str(value or ""))
        return line

    def set_values(self, values: Mapping[str, Any]) -> None:
        for name, write in self._writers.items():
            editor = self._editors[name]
            editor.blockSignals(True)
            write(values.get(name))
            editor.blockSignals(False)

    def values(self) -> dict[str, Any]:
        return {name: read() for name, read in self._readers.items()}

    def _commit(self, *_: object) -> None:
        self.values_committed.emit(self.values())


def _fixed_row_list_view() -> QTableView:
    """Create a one-column table without headers that shows a long list lazily.

    After a model reset, QTreeView and QListView (PySide6 6.11) create an index
    for every row, and each `QAbstractListModel.index` calls the Python
    `rowCount`. With 100,000 spans that took about 80 ms on a 2-core machine
    (benchmarks/text_open.py). A table with fixed row heights creates indexes
    only for the rows it paints.
    """
    view = QTableView()
    view.horizontalHeader().hide()
    view.horizontalHeader().setStretchLastSection(True)
    rows = view.verticalHeader()
    rows.hide()
    rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    rows.setDefaultSectionSize(view.fontMetrics().height() + 4)
    view.setShowGrid(False)
    view.setWordWrap(False)
    view.setTabKeyNavigation(False)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    return view


class TextSidePanel(QWidget):
    """Labels legend plus tabs for spans, relations, the document and comments."""

    span_activated = Signal(str)
    relation_delete_requested = Signal(str)
    comment_add_requested = Signal(str)
    comment_delete_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 0, 0)
        self.legend = QLabel()
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setWordWrap(True)
        layout.addWidget(self.legend)
        self.tabs = QTabWidget()
        layout.addWidget(self.tabs, 1)
        self._build_spans_tab()
        self._build_relations_tab()
        self._build_document_tab()
        self._build_comments_tab()

    def _build_spans_tab(self) -> None:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.span_model = SpanListModel(self)
        self.span_list = _fixed_row_list_view()
        self.span_list.setModel(self.span_model)
        self.span_list.activated.connect(self._emit_span)
        self.span_list.clicked.connect(self._emit_span)
        layout.addWidget(self.span_list, 1)
        self.span_title = QLabel(_tr("No span under the cursor."))
        layout.addWidget(self.span_title)
        self.span_attributes = AttributeForm()
        layout.addWidget(self.span_attributes)
        self.tabs.addTab(page, _tr("Spans"))

    def _build_relations_tab(self) -> None:
        page = QWidget()
        layout = QVBoxLayout(page)
        row = QHBoxLayout()
        row.addWidget(QLabel(_tr("New relations:")))
        self.relation_label = QComboBox()
        row.addWidget(self.relation_label, 1)
        layout.addLayout(row)
        layout.addWidget(QLabel(_tr("Press R on the source span, then R on the target.")))
        self.relation_list = QListWidget()
        layout.addWidget(self.relation_list, 1)
        delete = QPushButton(_tr("Delete relation"))
        delete.clicked.connect(self._emit_relation_delete)
        layout.addWidget(delete)
        self.tabs.addTab(page, _tr("Relations"))

    def _build_document_tab(self) -> None:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.document_info = QLabel()
        self.document_info.setWordWrap(True)
        layout.addWidget(self.document_info)
        self.classification = AttributeForm()
        layout.addWidget(self.classification)
        layout.addStretch(1)
        self.tabs.addTab(page, _tr("Document"))

    def _build_comments_tab(self) -> None:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.comment_list = QListWidget()
        self.comment_list.setWordWrap(True)
        layout.addWidget(self.comment_list, 1)
        self.comment_edit = QLineEdit()
        self.comment_edit.setPlaceholderText(
            _tr("Comment on the selection, or on the document; press Enter"))
        self.comment_edit.returnPressed.connect(self._emit_comment_add)
        layout.addWidget(self.comment_edit)
        delete = QPushButton(_tr("Delete comment"))
        delete.clicked.connect(self._emit_comment_delete)
        layout.addWidget(delete)
        self.tabs.addTab(page, _tr("Comments"))

    # -- content ------------------------------------------------------------------

    def set_ontology(self, ontology: Ontology | None) -> None:
        rows = []
        self.relation_label.clear()
        if ontology is not None:
            for label in ontology.labels:
                if SPAN in label.shapes:
                    key = f"<b>{html.escape(label.key)}</b>&nbsp;" if label.key else ""
                    rows.append(f'<span style="background:{label.color}">&nbsp;&nbsp;&nbsp;'
                                f"</span>&nbsp;{key}{html.escape(label.name)}")
                if "relation" in label.shapes:
                    self.relation_label.addItem(label.name)
        self.legend.setText("&nbsp;&nbsp; ".join(rows) or _tr("The ontology has no span labels."))
        self.classification.set_attributes(ontology.classifications if ontology else ())

    def set_relations(self, rows: Sequence[tuple[str, str]]) -> None:
        """Show relations as (annotation id, description) rows."""
        self.relation_list.clear()
        for annotation_id, description in rows:
            item = QListWidgetItem(description)
            item.setData(ANNOTATION_ID_ROLE, annotation_id)
            self.relation_list.addItem(item)

    def set_comments(self, comments: Sequence[Annotation], text: str) -> None:
        self.comment_list.clear()
        for comment in comments:
            where = _tr("document")
            if "start" in comment.data:
                start, end = comment.data["start"], comment.data["end"]
                where = f"{start}–{end} “{excerpt(text, start, end)}”"
            item = QListWidgetItem(f"{comment.data['text']}\n    {where} · {comment.created_by}")
            item.setData(ANNOTATION_ID_ROLE, comment.id)
            self.comment_list.addItem(item)

    # -- signals ---------------------------------------------------------------------

    def _emit_span(self, index: QModelIndex) -> None:
        span_id = index.data(ANNOTATION_ID_ROLE)
        if span_id:
            self.span_activated.emit(span_id)

    def _emit_relation_delete(self) -> None:
        item = self.relation_list.currentItem()
        if item is not None:
            self.relation_delete_requested.emit(item.data(ANNOTATION_ID_ROLE))

    def _emit_comment_add(self) -> None:
        text = self.comment_edit.text().strip()
        if text:
            self.comment_add_requested.emit(text)

    def _emit_comment_delete(self) -> None:
        item = self.comment_list.currentItem()
        if item is not None:
            self.comment_delete_requested.emit(item.data(ANNOTATION_ID_ROLE))
