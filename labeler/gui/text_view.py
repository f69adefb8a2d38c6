"""The text annotation view: spans, relations, document values and comments.

Keys, active while the text has focus: select text with the mouse or
Shift+arrows, then press a label's key (1 to 9) to add a span. With no
selection, the key relabels the span under the cursor. Tab and Shift+Tab jump to
the next and previous span, Delete removes the span under the cursor, R marks
the relation source and then adds a relation to the span under the cursor, W
toggles snapping to word edges, C comments on the selection, Esc cancels.
Ctrl+F finds, F3 and Shift+F3 find again; Ctrl+Z undoes, Ctrl+Shift+Z and
Ctrl+Y redo. Every edit commits before the view changes; there is no save.

Offsets are code points of the original text. The editor holds
`PositionMap.display_text` and every conversion between Qt positions and
offsets goes through the map. Spans are drawn as ExtraSelections built only
for the lines in the viewport, so a document with 100,000 spans paints as fast
as one with a few.
"""

from __future__ import annotations

import logging
from typing import Sequence

from PySide6.QtCore import QCoreApplication, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QKeySequence, QTextCharFormat, QTextCursor, QUndoStack
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSplitter,
    QStackedLayout,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from labeler.core.annotations import Annotation
from labeler.core.errors import LabelerError
from labeler.core.media.text import ENCODING_LABELS
from labeler.core.model.ontology import Ontology
from labeler.core.text_annotations import (
    COMMENT,
    RELATION,
    SPAN,
    TEXT_CLASSIFICATION,
    SpanIndex,
    SpanKey,
    TextAnnotationError,
    TextAnnotations,
    snap_to_graphemes,
    snap_to_words,
)
from labeler.gui.errors import describe_error
from labeler.gui.text.commands import TextEditCommand
from labeler.gui.text.editor import TextEditorWidget
from labeler.gui.text.panel import TextSidePanel, excerpt
from labeler.gui.text.position_map import PositionMap

logger = logging.getLogger(__name__)

SPAN_ALPHA = 90
CURRENT_SPAN_ALPHA = 170


def _tr(text: str) -> str:
    return QCoreApplication.translate("text_view", text)


def _split_annotations(annotations: Sequence[Annotation], length: int) -> tuple[
        dict[str, Annotation], dict[str, Annotation], list[SpanKey], int]:
    """Split annotations by kind in one pass, because a document may have 100,000.

    Returns the annotations by id, the ones that are not spans by id, the keys
    of the spans inside [0, length) and the number of spans outside it, which
    are left out of all three. A later annotation replaces an earlier one with
    the same id.
    """
    by_id: dict[str, Annotation] = {}
    non_spans: dict[str, Annotation] = {}
    keys: list[SpanKey] = []
    outside: list[str] = []
    for annotation in annotations:
        by_id[annotation.id] = annotation
        if annotation.kind != SPAN:
            non_spans[annotation.id] = annotation
            continue
        start, end = annotation.data["start"], annotation.data["end"]
        if 0 <= start < end <= length:
            keys.append((start, end, annotation.id))
        else:
            outside.append(annotation.id)
    if len(by_id) != len(annotations):
        # Repeated ids: split again with only the last annotation of each id.
        return _split_annotations(list(by_id.values()), length)
    for annotation_id in outside:
        del by_id[annotation_id]
    return by_id, non_spans, keys, len(outside)


class TextAnnotationView(QWidget):
    """Shows one text document and edits its annotations through `TextAnnotations`.

    Signals:
        annotations_changed(asset_id): an edit, undo or redo committed.
        status_message(text): a short note for the status bar.
        error_occurred(text): an edit failed; the text is for the user.
    """

    annotations_changed = Signal(int)
    status_message = Signal(str)
    error_occurred = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ontology: Ontology | None = None
        self._service: TextAnnotations | None = None
        self._asset_id: int | None = None
        self._text = ""
        self._map = PositionMap("")
        self._variant = "original"
        self._header_text = ""
        self._annotations: dict[str, Annotation] = {}
        self._non_spans: dict[str, Annotation] = {}  # relations, comments, document values
        self._index = SpanIndex()
        self._colors: dict[str, QColor] = {}
        self._formats: dict[tuple[str, str], QTextCharFormat] = {}
        self._current_span: str | None = None
        self._relation_source: str | None = None
        self._comment_anchor: tuple[int, int] | None = None
        self._is_hidden = False
        self._error_text: str | None = None
        self._undo_stack = QUndoStack(self)
        self._version = 0  # counts changes of the annotations or labels shown
        self._drawn_state: tuple[object, ...] | None = None
        # A change of the current span redraws on the next turn of the event
        # loop, so that PageDown, which moves the cursor and then scrolls,
        # rebuilds the highlights once.
        self._redraw_timer = QTimer(self)
        self._redraw_timer.setSingleShot(True)
        self._redraw_timer.setInterval(0)
        self._redraw_timer.timeout.connect(self._refresh_highlights)
        self._label_actions: list[QAction] = []
        self.visible_selection_count = 0
        self._build_widgets()
        self._build_actions()
        self.clear()

    # -- construction --------------------------------------------------------------

    def _build_widgets(self) -> None:
        self._stack = QStackedLayout(self)
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(0, 0, 0, 0)
        self._header = QLabel()
        layout.addWidget(self._header)
        self._find_bar = QWidget()
        find_layout = QHBoxLayout(self._find_bar)
        find_layout.setContentsMargins(0, 0, 0, 0)
        find_layout.addWidget(QLabel(_tr("Find:")))
        self._find_edit = QLineEdit()
        self._find_edit.returnPressed.connect(self.find_next)
        find_layout.addWidget(self._find_edit, 1)
        self._find_bar.hide()
        layout.addWidget(self._find_bar)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        self._editor = TextEditorWidget()
        self._editor.viewport_changed.connect(self._refresh_highlights)
        self._editor.cursorPositionChanged.connect(self._follow_cursor)
        splitter.addWidget(self._editor)
        self._panel = TextSidePanel()
        self._panel.span_activated.connect(self._go_to_span)
        self._panel.relation_delete_requested.connect(self._delete_annotation)
        self._panel.comment_add_requested.connect(self._add_comment)
        self._panel.comment_delete_requested.connect(self._delete_annotation)
        self._panel.classification.values_committed.connect(self._set_classification)
        self._panel.span_attributes.values_committed.connect(self._set_span_attributes)
        splitter.addWidget(self._panel)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        layout.addWidget(splitter, 1)
        self._stack.addWidget(content)
        self._message = QLabel()
        self._message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._message.setWordWrap(True)
        self._stack.addWidget(self._message)
        # The label keys and span keys are editor shortcuts, so focus given to
        # the view (after a click in the asset list) must land in the editor.
        self.setFocusProxy(self._editor)

    def _editor_action(self, text: str, keys: Sequence[str], slot: object) -> QAction:
        """Create an action whose keys work while the text has focus."""
        action = QAction(text, self)
        action.setShortcuts([QKeySequence(key) for key in keys])
        action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        action.triggered.connect(slot)
        self._editor.addAction(action)
        return action

    def _view_action(self, action: QAction, keys: Sequence[QKeySequence | str]) -> QAction:
        """Make an action's keys work anywhere inside the view."""
        action.setShortcuts([QKeySequence(key) for key in keys])
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        self._next_action = self._editor_action(_tr("Next span"), ["Tab"], self.next_span)
        self._previous_action = self._editor_action(
            _tr("Previous span"), ["Shift+Tab", "Shift+Backtab"], self.previous_span)
        self._delete_action = self._editor_action(
            _tr("Delete the span under the cursor"), ["Delete", "Backspace"],
            self.delete_current_span)
        self._relation_action = self._editor_action(
            _tr("Relation: mark the source, then the target"), ["R"], self.mark_relation_end)
        self._comment_action = self._editor_action(
            _tr("Comment on the selection"), ["C"], self._start_comment)
        self._cancel_action = self._editor_action(_tr("Cancel"), ["Esc"], self.cancel)
        self._snap_action = self._editor_action(
            _tr("Snap span edges to words"), ["W"], self._snap_toggled)
        self._snap_action.setCheckable(True)
        undo = self._undo_stack.createUndoAction(self, _tr("Undo"))
        redo = self._undo_stack.createRedoAction(self, _tr("Redo"))
        self._undo_action = self._view_action(undo, [QKeySequence.StandardKey.Undo])
        self._redo_action = self._view_action(redo, ["Ctrl+Shift+Z", "Ctrl+Y"])
        self._find_action = self._view_action(QAction(_tr("Find…"), self), ["Ctrl+F"])
        self._find_action.triggered.connect(self.open_find)
        self._find_next_action = self._view_action(QAction(_tr("Find next"), self), ["F3"])
        self._find_next_action.triggered.connect(self.find_next)
        self._find_previous_action = self._view_action(
            QAction(_tr("Find previous"), self), ["Shift+F3"])
        self._find_previous_action.triggered.connect(self.find_previous)
        close_find = QAction(self)
        close_find.setShortcut(QKeySequence("Esc"))
        close_find.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        close_find.triggered.connect(self.close_find)
        self._find_edit.addAction(close_find)

    # -- the contract with the main window ------------------------------------------------

    def set_ontology(self, ontology: Ontology | None) -> None:
        self._ontology = ontology
        self._colors = {label.name: QColor(label.color)
                        for label in (ontology.labels if ontology else ())}
        self._formats.clear()
        self._version += 1
        self._panel.set_ontology(ontology)
        for action in self._label_actions:
            self._editor.removeAction(action)
            action.deleteLater()
        self._label_actions = []
        for label in ontology.labels if ontology else ():
            if SPAN in label.shapes and label.key and label.key in "123456789":
                action = self._editor_action(
                    _tr("Label: %1").replace("%1", label.name), [label.key],
                    lambda _=False, name=label.name: self.label_selection(name))
                self._label_actions.append(action)
        self._refresh_highlights()

    def set_store(self, service: TextAnnotations | None) -> None:
        """Set the service that commits edits; None makes the view read-only."""
        self._service = service
        self._undo_stack.clear()
        self._update_header()

    def is_read_only(self) -> bool:
        return self._service is None

    def show_document(self, asset_id: int, text: str, codec: str,
                      annotations: list[Annotation], *, guessed_encoding: bool = False,
                      variant: str = "original") -> None:
        self._undo_stack.clear()
        # The old spans must go before the new text arrives, because
        # setPlainText moves the cursor and scroll bars, which redraw spans.
        self._annotations = {}
        self._non_spans = {}
        self._index = SpanIndex()
        self._asset_id = asset_id
        self._text = text
        self._variant = variant
        self._map = PositionMap(text)
        self._error_text = None
        self._relation_source = None
        self._current_span = None
        self._editor.setExtraSelections([])
        self._editor.setPlainText(self._map.display_text)
        self._set_annotations(annotations)
        encoding = ENCODING_LABELS.get(codec, codec)
        if guessed_encoding:
            encoding = _tr("decoded as %1 (guessed)").replace("%1", encoding)
        self._header_text = encoding
        self._update_header()
        self._panel.document_info.setText(self._header.text())
        self._show_content()
        self._refresh_highlights()

    def show_error(self, asset_id: int, message: str) -> None:
        self.clear()
        self._asset_id = asset_id
        self._error_text = message
        self._show_content()

    def clear(self) -> None:
        self._undo_stack.clear()
        self._asset_id = None
        self._text = ""
        self._map = PositionMap("")
        self._error_text = None
        self._current_span = None
        self._relation_source = None
        self._editor.setExtraSelections([])
        self._editor.setPlainText("")
        self._set_annotations([])
        self._header_text = ""
        self._update_header()
        self._show_content()

    def undo_stack(self) -> QUndoStack:
        return self._undo_stack

    def set_watermark(self, text: str | None) -> None:
        self._editor.set_watermark(text)

    def set_content_hidden(self, hidden: bool) -> None:
        self._is_hidden = hidden
        self._show_content()

    def actions(self) -> list[QAction]:  # type: ignore[override]
        return [self._undo_action, self._redo_action, self._find_action,
                self._find_next_action, self._find_previous_action, self._next_action,
                self._previous_action, self._delete_action, self._relation_action,
                self._comment_action, self._snap_action, self._cancel_action,
                *self._label_actions]

    def editor_widget(self) -> QWidget:
        return self._editor

    def offset_to_point(self, offset: int) -> QPoint:
        """Return the viewport position of the caret before code point `offset`."""
        cursor = QTextCursor(self._editor.document())
        cursor.setPosition(self._map.to_qt(offset))
        rect = self._editor.cursorRect(cursor)
        return QPoint(rect.x(), rect.center().y())

    # -- state shown -----------------------------------------------------------------------

    @property
    def asset_id(self) -> int | None:
        return self._asset_id

    @property
    def is_snapping_to_words(self) -> bool:
        return self._snap_action.isChecked()

    def set_snapping_to_words(self, enabled: bool) -> None:
        self._snap_action.setChecked(enabled)

    def header_text(self) -> str:
        """Return the line above the text: encoding, span count, variant, read-only."""
        return self._header.text()

    def current_span_id(self) -> str | None:
        return self._current_span

    def selected_range(self) -> tuple[int, int] | None:
        """Return the selection as code-point offsets, widened to whole clusters."""
        cursor = self._editor.textCursor()
        if not cursor.hasSelection():
            return None
        start = self._map.to_offset(cursor.selectionStart())
        end = self._map.to_offset(cursor.selectionEnd(), round_up=True)
        if self._snap_action.isChecked():
            return snap_to_words(self._text, start, end)
        return snap_to_graphemes(self._text, start, end)

    def select_range(self, start: int, end: int) -> None:
        cursor = QTextCursor(self._editor.document())
        cursor.setPosition(self._map.to_qt(start))
        cursor.setPosition(self._map.to_qt(end), QTextCursor.MoveMode.KeepAnchor)
        self._editor.setTextCursor(cursor)

    def _can_edit(self) -> bool:
        return (self._service is not None and self._asset_id is not None
                and self._variant == "original" and self._error_text is None)

    def _show_content(self) -> None:
        if self._is_hidden:
            self._message.setText(_tr("Content hidden."))
            self._stack.setCurrentIndex(1)
        elif self._error_text is not None:
            self._message.setText(self._error_text)
            self._stack.setCurrentIndex(1)
        else:
            self._stack.setCurrentIndex(0)

    def _update_header(self) -> None:
        parts = [self._header_text] if self._header_text else []
        if self._asset_id is not None:
            parts.append(_tr("%1 spans").replace("%1", str(len(self._index))))
            if self._variant != "original":
                parts.append(_tr("variant: %1").replace("%1", self._variant))
            if not self._can_edit():
                parts.append(_tr("read-only"))
        self._header.setText(" · ".join(parts))

    def _set_annotations(self, annotations: Sequence[Annotation]) -> None:
        """Replace every annotation shown; spans outside the text are left out."""
        self._version += 1
        self._annotations, self._non_spans, keys, outside = _split_annotations(
            annotations, len(self._text))
        self._index = SpanIndex(keys)
        self._panel.span_model.reset(self._index.keys(), self._label_of, self._text,
                                     self._colors)
        self._refresh_lists()
        if outside:
            logger.warning("asset %s: %d spans lie outside the text and are not shown",
                           self._asset_id, outside)
            self.status_message.emit(
                _tr("%1 spans lie outside the text and are not shown.").replace(
                    "%1", str(outside)))

    def _label_of(self, annotation_id: str) -> str:
        annotation = self._annotations.get(annotation_id)
        return (annotation.label or "") if annotation is not None else ""

    @staticmethod
    def _span_key(annotation: Annotation) -> SpanKey:
        return annotation.data["start"], annotation.data["end"], annotation.id


    def _refresh_lists(self) -> None:
        relations = []
        for annotation in self._non_spans.values():
            if annotation.kind == RELATION:
                relations.append((annotation.id, self._describe_relation(annotation)))
        self._panel.set_relations(relations)
        comments = [a for a in self._non_spans.values() if a.kind == COMMENT]
        self._panel.set_comments(comments, self._text)
        classification = self._classification()
        self._panel.classification.set_values(
            classification.data["values"] if classification else {})
        self._update_header()

    def _describe_relation(self, relation: Annotation) -> str:
        ends = []
        for name in ("from", "to"):
            span = self._annotations.get(relation.data[name])
            if span is None:
                ends.append(_tr("(missing span)"))
                continue
            start, end = span.data["start"], span.data["end"]
            ends.append(f"{span.label} “{excerpt(self._text, start, end)}”")
        return f"{ends[0]}  —{relation.label}→  {ends[1]}"

    def _classification(self) -> Annotation | None:
        for annotation in self._non_spans.values():
            if annotation.kind == TEXT_CLASSIFICATION:
                return annotation
        return None

    # -- drawing --------------------------------------------------------------------------------

    def _refresh_highlights(self) -> None:
        """Rebuild the ExtraSelections for the spans in the viewport only.

        Nothing is rebuilt when the visible range, the current span, the
        relation source and the annotations are all as at the last rebuild.
        """
        if not self._text:
            self._editor.setExtraSelections([])
            self.visible_selection_count = 0
            self._drawn_state = None
            return
        first, last = self._editor.visible_positions()
        start = self._map.to_offset(min(first, self._map.qt_length))
        end = self._map.to_offset(min(last, self._map.qt_length))
        state = (start, end, self._current_span, self._relation_source, self._version)
        if state == self._drawn_state:
            return
        self._drawn_state = state
        selections = []
        for span_start, span_end, span_id in self._index.overlapping(start, max(end, start + 1)):
            label = self._annotations[span_id].label or ""
            selections.append(self._span_selection(span_start, span_end, span_id, label))
        for annotation in self._non_spans.values():
            if annotation.kind == COMMENT and "start" in annotation.data:
                if annotation.data["start"] < end and annotation.data["end"] > start:
                    selections.append(self._comment_selection(annotation))
        self._editor.setExtraSelections(selections)
        self.visible_selection_count = len(selections)

    def _cursor_for(self, start: int, end: int) -> QTextCursor:
        cursor = QTextCursor(self._editor.document())
        cursor.setPosition(self._map.to_qt(start))
        cursor.setPosition(self._map.to_qt(end), QTextCursor.MoveMode.KeepAnchor)
        return cursor

    def _span_selection(self, start: int, end: int, span_id: str,
                        label: str) -> QTextEdit.ExtraSelection:
        selection = QTextEdit.ExtraSelection()
        selection.cursor = self._cursor_for(start, end)  # type: ignore[misc]
        state = ("source" if span_id == self._relation_source
                 else "current" if span_id == self._current_span else "plain")
        selection.format = self._span_format(label, state)  # type: ignore[misc]
        return selection

    def _span_format(self, label: str, state: str) -> QTextCharFormat:
        """Return the cached format of a label's spans: plain, current or relation source."""
        text_format = self._formats.get((label, state))
        if text_format is not None:
            return text_format
        color = self._colors.get(label, QColor("#999999"))
        background = QColor(color)
        background.setAlpha(SPAN_ALPHA if state == "plain" else CURRENT_SPAN_ALPHA)
        text_format = QTextCharFormat()
        text_format.setBackground(background)
        if state != "plain":
            text_format.setUnderlineStyle(
                QTextCharFormat.UnderlineStyle.DashUnderline if state == "source"
                else QTextCharFormat.UnderlineStyle.SingleUnderline)
            text_format.setUnderlineColor(color.darker(160))
        self._formats[(label, state)] = text_format
        return text_format

    def _comment_selection(self, comment: Annotation) -> QTextEdit.ExtraSelection:
        selection = QTextEdit.ExtraSelection()
        selection.cursor = self._cursor_for(  # type: ignore[misc]
            comment.data["start"], comment.data["end"])
        text_format = QTextCharFormat()
        text_format.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
        text_format.setUnderlineColor(QColor("#808080"))
        selection.format = text_format  # type: ignore[misc]
        return selection

    # -- the current span ------------------------------------------------------------------------

    def _spans_at_cursor(self) -> list[SpanKey]:
        cursor = self._editor.textCursor()
        offset = self._map.to_offset(cursor.position())
        inside = self._index.containing(offset)
        if inside:
            return inside
        return [key for key in self._index.overlapping(offset - 1, offset) if key[1] == offset]

    def _follow_cursor(self) -> None:
        if self._editor.textCursor().hasSelection():
            return
        keys = self._spans_at_cursor()
        ids = [key[2] for key in keys]
        if self._current_span not in ids:
            # The innermost span is the one a click most likely meant.
            innermost = min(keys, key=lambda k: (k[1] - k[0], k)) if keys else None
            self._set_current(innermost[2] if innermost else None)

    def _set_current(self, span_id: str | None) -> None:
        if span_id == self._current_span:
            return
        self._current_span = span_id
        self._show_current_span()
        self._redraw_timer.start()

    def _show_current_span(self) -> None:
        span = self._annotations.get(self._current_span or "")
        if span is None:
            self._panel.span_title.setText(_tr("No span under the cursor."))
            self._panel.span_attributes.set_attributes(())
            return
        key = self._span_key(span)
        row = self._panel.span_model.row_of(key)
        description = _tr("%1 span %2–%3 (%4 of %5)")
        for marker, value in (("%1", span.label or ""), ("%2", key[0]), ("%3", key[1]),
                              ("%4", row + 1), ("%5", len(self._index))):
            description = description.replace(marker, str(value))
        self._panel.span_title.setText(description)
        if self._ontology is not None and span.label:
            self._panel.span_attributes.set_attributes(
                self._ontology.label(span.label).attributes)
            self._panel.span_attributes.set_values(span.data.get("attributes", {}))
        if row >= 0:
            self._panel.span_list.setCurrentIndex(self._panel.span_model.index(row))
        self.status_message.emit(description)

    def _go_to_span(self, span_id: str) -> None:
        span = self._annotations.get(span_id)
        if span is None:
            return
        self._current_span = None
        self._set_current(span_id)
        cursor = QTextCursor(self._editor.document())
        cursor.setPosition(self._map.to_qt(span.data["start"]))
        self._editor.setTextCursor(cursor)
        self._editor.ensureCursorVisible()
        self._refresh_highlights()

    def next_span(self) -> None:
        self._step_span(forward=True)

    def previous_span(self) -> None:
        self._step_span(forward=False)

    def _step_span(self, *, forward: bool) -> None:
        current = self._annotations.get(self._current_span or "")
        if current is not None:
            key: SpanKey | tuple[int] = self._span_key(current)
        else:
            offset = self._map.to_offset(self._editor.textCursor().position())
            key = (offset,) if forward else (offset, -1, "")
        found = self._index.following(key) if forward else self._index.preceding(key)
        if found is None:
            self.status_message.emit(_tr("No more spans in this direction."))
            return
        self._go_to_span(found[2])

    # -- edits ---------------------------------------------------------------------------------------

    def label_selection(self, label: str) -> None:
        """Add a span of `label` over the selection, or relabel the span under the cursor."""
        if not self._check_editable() or self._service is None or self._asset_id is None:
            return
        selected = self.selected_range()
        if selected is not None and selected[0] < selected[1]:
            self._add_span(selected[0], selected[1], label)
            return
        span = self._annotations.get(self._current_span or "")
        if span is None:
            self.status_message.emit(_tr("Select text first, then press the label's key."))
            return
        if span.label == label:
            return
        self._edit(_tr("Relabel span"), [span], lambda service: [
            service.update_span(span.id, span.asset_id, label=label)])

    def _add_span(self, start: int, end: int, label: str) -> None:
        stored = self._edit(_tr("Add span"), [], lambda service: [
            service.add_span(self._asset_id or 0, start, end, label)])
        if stored:
            cursor = QTextCursor(self._editor.document())
            cursor.setPosition(self._map.to_qt(end))
            self._editor.setTextCursor(cursor)
            self._go_to_span(stored[0].id)

    def delete_current_span(self) -> None:
        if not self._check_editable():
            return
        if self._current_span is None:
            self.status_message.emit(_tr("There is no span under the cursor to delete."))
            return
        self._delete_annotation(self._current_span)

    def _delete_annotation(self, annotation_id: str) -> None:
        if not self._check_editable() or self._asset_id is None:
            return
        asset_id = self._asset_id
        self._edit_removal(_tr("Delete"), lambda service: service.delete(asset_id, annotation_id))

    def mark_relation_end(self) -> None:
        if not self._check_editable() or self._asset_id is None:
            return
        span = self._annotations.get(self._current_span or "")
        if span is None:
            self.status_message.emit(_tr("Move the cursor into a span first."))
            return
        if self._relation_source is None or self._relation_source not in self._annotations:
            self._relation_source = span.id
            self.status_message.emit(_tr(
                "Relation source set. Move to the target span and press R; Esc cancels."))
            self._refresh_highlights()
            return
        label = self._panel.relation_label.currentText()
        if not label:
            self.status_message.emit(_tr("The ontology has no relation labels."))
            return
        source, self._relation_source = self._relation_source, None
        asset_id = self._asset_id
        self._edit(_tr("Add relation"), [], lambda service: [
            service.add_relation(asset_id, source, span.id, label)])
        self._refresh_highlights()

    def cancel(self) -> None:
        self._relation_source = None
        cursor = self._editor.textCursor()
        cursor.clearSelection()
        self._editor.setTextCursor(cursor)
        self._refresh_highlights()

    def _start_comment(self) -> None:
        self._comment_anchor = self.selected_range()
        self._panel.tabs.setCurrentIndex(3)
        self._panel.comment_edit.setFocus()

    def _add_comment(self, text: str) -> None:
        if not self._check_editable() or self._asset_id is None:
            return
        anchor = self._comment_anchor or self.selected_range()
        asset_id = self._asset_id
        start, end = anchor if anchor else (None, None)
        stored = self._edit(_tr("Add comment"), [], lambda service: [
            service.add_comment(asset_id, text, start=start, end=end)])
        if stored:
            self._panel.comment_edit.clear()
            self._comment_anchor = None
            self._editor.setFocus()

    def _set_classification(self, values: dict) -> None:
        if not self._check_editable() or self._asset_id is None:
            return
        current = self._classification()
        asset_id = self._asset_id
        self._edit(_tr("Set document values"), [current] if current else [],
                   lambda service: [service.set_classification(asset_id, values)])

    def _set_span_attributes(self, values: dict) -> None:
        span = self._annotations.get(self._current_span or "")
        if not self._check_editable() or span is None:
            return
        self._edit(_tr("Set span attributes"), [span], lambda service: [
            service.update_span(span.id, span.asset_id, attributes=values)])

    def _snap_toggled(self, checked: bool) -> None:
        self.status_message.emit(_tr("Snapping to words is on.") if checked
                                 else _tr("Snapping to words is off."))

    def _check_editable(self) -> bool:
        if self._can_edit():
            return True
        self.status_message.emit(_tr("This document is read-only here."))
        return False

    def _edit(self, title: str, before: list[Annotation],
              change: object) -> list[Annotation] | None:
        """Commit `change(service)` and push it on the undo stack; None if it failed."""
        service = self._service
        if service is None or self._asset_id is None:
            return None
        try:
            stored = change(service)  # type: ignore[operator]
        except TextAnnotationError as error:
            self.status_message.emit(str(error))
            return None
        except LabelerError as error:
            self._report_failure(title, error)
            return None
        removed = [a for a in before if a.id not in {s.id for s in stored}]
        self._push(title, before=before, after=stored)
        self._apply_change(removed, stored)
        return stored

    def _edit_removal(self, title: str, change: object) -> None:
        service = self._service
        if service is None or self._asset_id is None:
            return
        try:
            removed = change(service)  # type: ignore[operator]
        except LabelerError as error:
            self._report_failure(title, error)
            return
        self._push(title, before=removed, after=[])
        self._apply_change(removed, [])

    def _push(self, title: str, *, before: list[Annotation], after: list[Annotation]) -> None:
        assert self._service is not None and self._asset_id is not None
        self._undo_stack.push(TextEditCommand(
            title, self._service, self._asset_id, before=before, after=after,
            on_change=self._apply_change, on_error=self._report_failure))

    def _report_failure(self, action: str, error: LabelerError) -> None:
        logger.error("%s failed on asset %s: %s", action, self._asset_id, type(error).__name__)
        message = describe_error(action, error)
        details = f" ({message.details})" if message.details else ""
        self.error_occurred.emit(f"{message.title}. {message.text}{details}")

    def _apply_change(self, removed: list[Annotation], stored: list[Annotation]) -> None:
        """Show a committed change: drop `removed`, add or replace `stored`."""
        self._version += 1
        for annotation in removed:
            self._forget(annotation.id)
        for annotation in stored:
            self._forget(annotation.id)
            self._annotations[annotation.id] = annotation
            if annotation.kind != SPAN:
                self._non_spans[annotation.id] = annotation
            else:
                key = self._span_key(annotation)
                self._index.add(annotation.id, key[0], key[1])
                self._panel.span_model.insert(key)
        if self._current_span not in self._annotations:
            self._current_span = None
        self._refresh_lists()
        self._show_current_span()
        self._refresh_highlights()
        if self._asset_id is not None:
            self.annotations_changed.emit(self._asset_id)

    def _forget(self, annotation_id: str) -> None:
        previous = self._annotations.pop(annotation_id, None)
        self._non_spans.pop(annotation_id, None)
        if previous is not None and previous.kind == SPAN:
            self._index.remove(annotation_id)
            self._panel.span_model.remove(self._span_key(previous))

    # -- find ---------------------------------------------------------------------------------

    def open_find(self) -> None:
        self._find_bar.show()
        self._find_edit.setFocus()
        self._find_edit.selectAll()

    def close_find(self) -> None:
        self._find_bar.hide()
        self._editor.setFocus()

    def find_next(self) -> None:
        self._find(backward=False)

    def find_previous(self) -> None:
        self._find(backward=True)

    def _find(self, *, backward: bool) -> None:
        term = self._find_edit.text()
        if not term:
            self.open_find()
            return
        flags = self._find_flags(backward)
        if not self._editor.find(term, flags):
            cursor = QTextCursor(self._editor.document())
            cursor.movePosition(QTextCursor.MoveOperation.End if backward
                                else QTextCursor.MoveOperation.Start)
            self._editor.setTextCursor(cursor)
            if not self._editor.find(term, flags):
                self.status_message.emit(_tr("No match in this document."))
                return
        found = self.selected_range()
        if found is not None:
            self.status_message.emit(_tr("Match at %1–%2.").replace("%1", str(found[0]))
                                     .replace("%2", str(found[1])))

    @staticmethod
    def _find_flags(backward: bool) -> object:
        from PySide6.QtGui import QTextDocument

        flags = QTextDocument.FindFlag(0)
        if backward:
            flags |= QTextDocument.FindFlag.FindBackward
        return flags
