"""Editing behaviour of the text view: undo, navigation, rules, find, relations, safety."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from labeler.core.annotations import Annotation
from labeler.core.model.ontology import parse_ontology
from labeler.gui.text_view import TextAnnotationView
from tests.core.test_text_annotations import TEXT_ONTOLOGY, stored_annotations
from tests.gui.text.test_text_selection import (
    OpenFile,
    click,
    drag,
    keys,
    open_file,  # noqa: F401 (fixture)
    press_label,
)

pytestmark = pytest.mark.gui

TEXT = "Anna Berg works for Acme Corp in Oslo. Bob Dahl lives in Bergen.\n"
# Anna Berg 0-9, Acme Corp 20-29, Oslo 33-37, Bob Dahl 39-47, Bergen 57-63.


def test_undo_and_redo_reach_the_store(open_file: OpenFile, qtbot: QtBot) -> None:
    document = open_file(TEXT.encode())
    view = document.view
    drag(qtbot, view, 0, 9)
    press_label(qtbot, view, "1")
    span_id = view.current_span_id()
    assert document.stored_spans() == [(0, 9, "PERSON")]

    qtbot.keyClick(view.editor_widget(), Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert document.stored_spans() == []
    assert view.current_span_id() is None

    qtbot.keyClick(view.editor_widget(), Qt.Key.Key_Z,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert [a.id for a in stored_annotations(document.workspace, document.asset_id)] == [
        span_id]
    view.undo_stack().undo()
    qtbot.keyClick(view.editor_widget(), Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert document.stored_spans() == [(0, 9, "PERSON")]


def test_delete_key_and_undo_restore_relations(open_file: OpenFile, qtbot: QtBot) -> None:
    document = open_file(TEXT.encode())
    view = document.view
    person = document.service.add_span(document.asset_id, 0, 9, "PERSON")
    org = document.service.add_span(document.asset_id, 20, 29, "ORG")
    document.service.add_relation(document.asset_id, person.id, org.id, "works_for")
    view.show_document(document.asset_id, document.text, "utf-8",
                       document.service.list(document.asset_id))
    click(qtbot, view, 22)
    assert view.current_span_id() == org.id

    keys(qtbot, view, Qt.Key.Key_Delete)
    kinds = [a.kind for a in stored_annotations(document.workspace, document.asset_id)]
    assert kinds == ["span"]

    view.undo_stack().undo()
    restored = stored_annotations(document.workspace, document.asset_id)
    assert sorted(a.kind for a in restored) == ["relation", "span", "span"]


def test_tab_and_shift_tab_jump_between_spans(open_file: OpenFile, qtbot: QtBot) -> None:
    document = open_file(TEXT.encode())
    view = document.view
    for start, end, key in ((39, 47, "1"), (0, 9, "1"), (20, 29, "3")):
        drag(qtbot, view, start, end)
        press_label(qtbot, view, key)
    click(qtbot, view, 10)  # between spans

    starts = []
    for _ in range(3):
        keys(qtbot, view, Qt.Key.Key_Tab)
        starts.append(document.service.find(document.asset_id, view.current_span_id()).data["start"])
    keys(qtbot, view, Qt.Key.Key_Tab, modifier=Qt.KeyboardModifier.ShiftModifier)
    back = document.service.find(document.asset_id, view.current_span_id()).data["start"]

    assert starts == [20, 39, 39]  # the third Tab finds no further span
    assert back == 20
    assert view.editor_widget().hasFocus()


def test_label_key_relabels_span_under_cursor(open_file: OpenFile, qtbot: QtBot) -> None:
    document = open_file(TEXT.encode())
    drag(qtbot, document.view, 33, 37)
    press_label(qtbot, document.view, "1")
    click(qtbot, document.view, 35)
    press_label(qtbot, document.view, "2")

    assert document.stored_spans() == [(33, 37, "LOCATION")]
    assert document.view.undo_stack().count() == 2


def test_disallowed_overlap_is_explained(open_file: OpenFile, qtbot: QtBot) -> None:
    document = open_file(TEXT.encode())
    view = document.view
    drag(qtbot, view, 33, 37)
    press_label(qtbot, view, "2")
    with qtbot.waitSignal(view.status_message) as blocker:
        drag(qtbot, view, 30, 37)
        press_label(qtbot, view, "2")

    assert "overlaps span 33-37 (LOCATION)" in blocker.args[0]
    assert document.stored_spans() == [(33, 37, "LOCATION")]
    assert view.undo_stack().count() == 1


def test_read_only_view_stores_nothing(open_file: OpenFile, qtbot: QtBot) -> None:
    document = open_file(TEXT.encode())
    document.view.set_store(None)
    with qtbot.waitSignal(document.view.status_message) as blocker:
        drag(qtbot, document.view, 0, 4)
        press_label(qtbot, document.view, "1")

    assert blocker.args == ["This document is read-only here."]
    assert document.stored_spans() == []
    assert "read-only" in document.view.header_text()


def test_snapping_toggle_widens_to_words(open_file: OpenFile, qtbot: QtBot) -> None:
    document = open_file(TEXT.encode())
    keys(qtbot, document.view, Qt.Key.Key_W)
    assert document.view.is_snapping_to_words
    drag(qtbot, document.view, 41, 52)  # "b Dahl live"
    press_label(qtbot, document.view, "1")

    assert document.stored_spans() == [(39, 53, "PERSON")]  # "Bob Dahl lives"


def test_find_selects_the_match(open_file: OpenFile, qtbot: QtBot) -> None:
    document = open_file("Über 👍🏽 Oslo\r\nand Oslo again\n".encode())
    view = document.view
    qtbot.keyClick(view.editor_widget(), Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is view._find_edit
    qtbot.keyClicks(view._find_edit, "oslo")
    qtbot.keyClick(view._find_edit, Qt.Key.Key_Return)
    first = view.selected_range()
    qtbot.keyClick(view._find_edit, Qt.Key.Key_Return)
    second = view.selected_range()

    # "Über " 0-5, thumbs up + skin tone 5-7, space, "Oslo" 8-12, CR LF,
    # "and " 14-18, "Oslo" 18-22.
    assert first == (8, 12)
    assert second == (18, 22)
    qtbot.keyClick(view._find_edit, Qt.Key.Key_Escape)  # back to the text, match kept
    assert view.editor_widget().hasFocus()
    press_label(qtbot, view, "2")
    assert document.stored_spans() == [(18, 22, "LOCATION")]


def test_relation_with_r_key(open_file: OpenFile, qtbot: QtBot) -> None:
    document = open_file(TEXT.encode())
    view = document.view
    drag(qtbot, view, 0, 9)
    press_label(qtbot, view, "1")
    drag(qtbot, view, 20, 29)
    press_label(qtbot, view, "3")
    click(qtbot, view, 3)
    keys(qtbot, view, Qt.Key.Key_R)
    keys(qtbot, view, Qt.Key.Key_Tab)
    keys(qtbot, view, Qt.Key.Key_R)

    stored = stored_annotations(document.workspace, document.asset_id)
    spans = {a.id: a.data["start"] for a in stored if a.kind == "span"}
    relations = [(spans[a.data["from"]], spans[a.data["to"]], a.label)
                 for a in stored if a.kind == "relation"]
    assert relations == [(0, 20, "works_for")]
    assert view._panel.relation_list.count() == 1
    assert "works_for" in view._panel.relation_list.item(0).text()


def test_document_values_and_comments(open_file: OpenFile, qtbot: QtBot) -> None:
    document = open_file(TEXT.encode())
    view = document.view
    view._set_classification({"sensitivity": "high", "reviewed": True})
    drag(qtbot, view, 33, 37)
    keys(qtbot, view, Qt.Key.Key_C)
    qtbot.keyClicks(view._panel.comment_edit, "check this place")
    qtbot.keyClick(view._panel.comment_edit, Qt.Key.Key_Return)

    stored = {a.kind: a.data for a in stored_annotations(document.workspace, document.asset_id)}
    assert stored["text_classification"] == {
        "values": {"sensitivity": "high", "reviewed": True}}
    assert stored["comment"] == {"text": "check this place", "start": 33, "end": 37}
    view.undo_stack().undo()
    kinds = [a.kind for a in stored_annotations(document.workspace, document.asset_id)]
    assert kinds == ["text_classification"]


def test_text_never_reaches_the_clipboard(open_file: OpenFile, qtbot: QtBot) -> None:
    document = open_file(TEXT.encode())
    clipboard = QGuiApplication.clipboard()
    clipboard.setText("sentinel")
    drag(qtbot, document.view, 0, 9)
    qtbot.keyClick(document.view.editor_widget(), Qt.Key.Key_C,
                   Qt.KeyboardModifier.ControlModifier)
    editor = document.view.editor_widget()
    mime = editor.createMimeDataFromSelection()  # type: ignore[attr-defined]

    assert clipboard.text() == "sentinel"
    assert mime.formats() == []
    assert editor.contextMenuPolicy() == Qt.ContextMenuPolicy.NoContextMenu


def test_hidden_error_and_clear(qtbot: QtBot) -> None:
    view = TextAnnotationView()
    qtbot.addWidget(view)
    view.set_ontology(parse_ontology(TEXT_ONTOLOGY))
    view.show_document(7, "secret text", "utf-8", [])
    view.set_content_hidden(True)
    assert view._stack.currentIndex() == 1
    assert "secret" not in view._message.text()
    view.set_content_hidden(False)
    assert view._stack.currentIndex() == 0
    view.show_error(8, "The file could not be read.")
    assert view._message.text() == "The file could not be read."
    assert view.editor_widget().toPlainText() == ""  # type: ignore[attr-defined]
    view.clear()
    assert view.asset_id is None
    assert view._stack.currentIndex() == 0


def test_large_document_draws_only_visible_spans(qtbot: QtBot) -> None:
    line = "Anna Berg met Bob in Oslo on Monday and Tuesday; then 👍🏽 again.\r\n"
    text = line * 20_000  # about 1.3 MB
    annotations = []
    for number in range(20_000):
        base = number * len(line)
        for start, end in ((0, 9), (14, 17), (21, 25), (54, 56)):
            annotations.append(Annotation(1, "span", "PERSON", {
                "start": base + start, "end": base + end, "attributes": {}}))
    view = TextAnnotationView()
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.set_ontology(parse_ontology(TEXT_ONTOLOGY))
    view.show()
    qtbot.waitExposed(view)
    began = time.perf_counter()
    view.show_document(1, text, "utf-8", annotations)
    elapsed = time.perf_counter() - began

    editor = view.editor_widget()
    first_page = view.visible_selection_count
    editor.verticalScrollBar().setValue(editor.verticalScrollBar().maximum())  # type: ignore[attr-defined]
    selections = editor.extraSelections()  # type: ignore[attr-defined]
    last_offset = len(text) - len(line) + 54

    assert 0 < first_page < 400
    assert 0 < view.visible_selection_count < 400
    drawn = {s.cursor.selectionStart(): s.cursor.selectedText() for s in selections}
    assert drawn.get(view._map.to_qt(last_offset)) == "👍🏽"
    assert elapsed < 10, f"show_document took {elapsed:.1f} s"


def test_spans_outside_text_and_repeated_ids(qtbot: QtBot) -> None:
    """Spans past the end are counted, not shown, and the last of each id counts."""
    view = TextAnnotationView()
    qtbot.addWidget(view)
    view.set_ontology(parse_ontology(TEXT_ONTOLOGY))
    messages: list[str] = []
    view.status_message.connect(messages.append)
    length = len(TEXT)

    def span(start: int, end: int, label: str, span_id: str) -> Annotation:
        data = {"start": start, "end": end, "attributes": {}}
        return Annotation(1, "span", label, data, id=span_id)

    annotations = [
        span(0, 9, "PERSON", "anna"),
        span(20, 29, "ORG", "acme"),
        span(39, length + 5, "PERSON", "past-end"),
        # An earlier version of "acme" lies outside the text. The later one counts.
        span(length, length + 1, "ORG", "acme"),
        span(20, 29, "ORG", "acme"),
        Annotation(1, "comment", None, {"text": "check"}, id="note"),
    ]
    view.show_document(1, TEXT, "utf-8", annotations)

    assert view._panel.span_model.rowCount() == 2
    assert set(view._annotations) == {"anna", "acme", "note"}
    assert set(view._non_spans) == {"note"}
    assert "2 spans" in view.header_text()
    assert "1 spans lie outside the text and are not shown." in messages
