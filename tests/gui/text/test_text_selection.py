"""Selecting text with the mouse and keyboard stores the offsets the user selected.

Each test imports a file through the real import (bytes in a bucket become an
asset), selects in the real widget, presses a label key and reads the stored
span back through a new session. Expected offsets are counted by hand and
written next to each case.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from pytestqt.qtbot import QtBot

from labeler.core.project import Project
from labeler.core.text_annotations import TextAnnotations
from labeler.gui.text_view import TextAnnotationView
from tests.core.test_text_annotations import (
    TextWorkspace,
    build_text_workspace,
    stored_annotations,
)

pytestmark = pytest.mark.gui


@dataclass
class OpenDocument:
    workspace: TextWorkspace
    project: Project
    service: TextAnnotations
    view: TextAnnotationView
    asset_id: int
    text: str

    def stored_spans(self) -> list[tuple[int, int, str | None]]:
        return sorted((a.data["start"], a.data["end"], a.label)
                      for a in stored_annotations(self.workspace, self.asset_id)
                      if a.kind == "span")


OpenFile = Callable[[bytes], OpenDocument]


@pytest.fixture
def open_file(tmp_path: Path, qtbot: QtBot) -> Iterator[OpenFile]:
    """Import one file's bytes as an asset and show it in a view as annotator anna."""
    projects: list[Project] = []

    def open_(content: bytes, name: str = "doc.txt") -> OpenDocument:
        workspace = build_text_workspace(tmp_path / f"w{len(projects)}", {name: content})
        project = workspace.open("anna")
        projects.append(project)
        service = TextAnnotations(project)
        asset_id = project.find_asset(name).id
        document = service.document(asset_id)
        view = TextAnnotationView()
        qtbot.addWidget(view)
        view.resize(900, 600)
        view.set_ontology(project.ontology)
        view.set_store(service)
        view.show_document(asset_id, document.text, document.codec, service.list(asset_id),
                           guessed_encoding=document.is_encoding_guessed,
                           variant=document.variant)
        view.show()
        qtbot.waitExposed(view)
        view.activateWindow()
        qtbot.waitUntil(lambda: view.isActiveWindow())
        view.editor_widget().setFocus()
        return OpenDocument(workspace, project, service, view, asset_id, document.text)

    yield open_
    for project in projects:
        project.close()


def drag(qtbot: QtBot, view: TextAnnotationView, start: int, end: int) -> None:
    viewport = view.editor_widget().viewport()  # type: ignore[attr-defined]
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=view.offset_to_point(start))
    qtbot.mouseMove(viewport, view.offset_to_point(end))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=view.offset_to_point(end))


def click(qtbot: QtBot, view: TextAnnotationView, offset: int) -> None:
    viewport = view.editor_widget().viewport()  # type: ignore[attr-defined]
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=view.offset_to_point(offset))


def keys(qtbot: QtBot, view: TextAnnotationView, key: Qt.Key, count: int = 1,
         modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    for _ in range(count):
        qtbot.keyClick(view.editor_widget(), key, modifier)


def press_label(qtbot: QtBot, view: TextAnnotationView, key: str) -> None:
    qtbot.keyClick(view.editor_widget(), key)


# Labels: 1 PERSON, 2 LOCATION, 3 ORG, 4 EMOJI.

EMOJI_TEXT = "Hi 👨\u200d👩\u200d👧 and 👍🏽 ok 🇳🇴\n"
# Code points: "Hi " 0-3, the family (man ZWJ woman ZWJ girl) 3-8, " and " 8-13,
# thumbs up + skin tone 13-15, " ok " 15-19, the flag (two regional indicators)
# 19-21, LF 21.


def test_emoji_mouse_drag(open_file: OpenFile, qtbot: QtBot) -> None:
    document = open_file(EMOJI_TEXT.encode())
    drag(qtbot, document.view, 3, 8)
    press_label(qtbot, document.view, "4")
    drag(qtbot, document.view, 19, 21)
    press_label(qtbot, document.view, "4")

    assert document.stored_spans() == [(3, 8, "EMOJI"), (19, 21, "EMOJI")]


def test_emoji_shift_right_moves_by_cluster(open_file: OpenFile, qtbot: QtBot) -> None:
    document = open_file(EMOJI_TEXT.encode())
    click(qtbot, document.view, 13)
    keys(qtbot, document.view, Qt.Key.Key_Right, 1, Qt.KeyboardModifier.ShiftModifier)
    press_label(qtbot, document.view, "4")
    click(qtbot, document.view, 0)
    keys(qtbot, document.view, Qt.Key.Key_Right, 4, Qt.KeyboardModifier.ShiftModifier)
    press_label(qtbot, document.view, "1")

    # Four steps from 0 pass "H", "i", " " and the whole family.
    assert document.stored_spans() == [(0, 8, "PERSON"), (13, 15, "EMOJI")]


def test_selection_inside_cluster_is_widened(open_file: OpenFile, qtbot: QtBot) -> None:
    document = open_file(EMOJI_TEXT.encode())
    editor = document.view.editor_widget()
    cursor = QTextCursor(editor.document())  # type: ignore[attr-defined]
    # Qt positions: "Hi " 0-3, man 3-5, ZWJ 5, woman 6-8, ZWJ 8, girl 9-11,
    # " and " 11-16, thumbs up 16-18, skin tone 18-20. Select from the woman
    # (inside the family) to the middle of the thumbs up's surrogate pair.
    cursor.setPosition(6)
    cursor.setPosition(17, QTextCursor.MoveMode.KeepAnchor)
    editor.setTextCursor(cursor)  # type: ignore[attr-defined]
    press_label(qtbot, document.view, "4")

    assert document.stored_spans() == [(3, 15, "EMOJI")]


CRLF_TEXT = "first line\r\nsecond line\r\nthird\r\n"
# "first line" 0-10, CR LF 10-12, "second line" 12-23, CR LF 23-25, "third" 25-30.


def test_crlf_mouse_drag_across_lines(open_file: OpenFile, qtbot: QtBot) -> None:
    document = open_file(CRLF_TEXT.encode())
    drag(qtbot, document.view, 12, 23)
    press_label(qtbot, document.view, "2")
    drag(qtbot, document.view, 25, 30)
    press_label(qtbot, document.view, "2")

    assert document.text == CRLF_TEXT
    assert document.stored_spans() == [(12, 23, "LOCATION"), (25, 30, "LOCATION")]


def test_crlf_keyboard_steps_over_line_end(open_file: OpenFile, qtbot: QtBot) -> None:
    document = open_file(CRLF_TEXT.encode())
    click(qtbot, document.view, 6)
    keys(qtbot, document.view, Qt.Key.Key_End, 1, Qt.KeyboardModifier.ShiftModifier)
    keys(qtbot, document.view, Qt.Key.Key_Right, 7, Qt.KeyboardModifier.ShiftModifier)
    press_label(qtbot, document.view, "3")

    # From "line" (6) to the line end (10); one Right step crosses CR LF (12),
    # six more end after "second" (18). The span contains both CR and LF.
    assert document.stored_spans() == [(6, 18, "ORG")]
    assert CRLF_TEXT[6:18] == "line\r\nsecond"


def test_lone_cr_is_a_line_break(open_file: OpenFile, qtbot: QtBot) -> None:
    document = open_file(b"old mac\rline two\n")
    click(qtbot, document.view, 8)
    keys(qtbot, document.view, Qt.Key.Key_End, 1, Qt.KeyboardModifier.ShiftModifier)
    press_label(qtbot, document.view, "2")

    assert document.stored_spans() == [(8, 16, "LOCATION")]


NFD_TEXT = "Cafe\u0301 cre\u0300me brule\u0301e\n"
# "Cafe" + combining acute 0-5, space, "cre" + combining grave + "me" 6-12,
# space, "brule" + combining acute + "e" 13-20.


def test_nfd_mouse_and_keyboard(open_file: OpenFile, qtbot: QtBot) -> None:
    document = open_file(NFD_TEXT.encode())
    drag(qtbot, document.view, 6, 12)
    press_label(qtbot, document.view, "1")
    click(qtbot, document.view, 0)
    keys(qtbot, document.view, Qt.Key.Key_Right, 4, Qt.KeyboardModifier.ShiftModifier)
    press_label(qtbot, document.view, "2")

    assert document.text == NFD_TEXT  # not composed to NFC
    assert document.stored_spans() == [(0, 5, "LOCATION"), (6, 12, "PERSON")]


def test_nfd_snapping_keeps_marks(open_file: OpenFile, qtbot: QtBot) -> None:
    document = open_file(NFD_TEXT.encode())
    document.view.set_snapping_to_words(True)
    drag(qtbot, document.view, 14, 16)
    press_label(qtbot, document.view, "1")

    assert document.stored_spans() == [(13, 20, "PERSON")]


RTL_TEXT = "مرحبا بالعالم\nשלום עולם\nHello שלום world\n"
# Arabic "marhaba" 0-5, space, 6-13; LF 13. Hebrew "shalom" 14-18, space,
# "olam" 19-23; LF 23. "Hello " 24-30, Hebrew "shalom" 30-34, " world" 34-40.


def test_rtl_mouse_drag(open_file: OpenFile, qtbot: QtBot) -> None:
    document = open_file(RTL_TEXT.encode())
    drag(qtbot, document.view, 0, 5)
    press_label(qtbot, document.view, "1")
    drag(qtbot, document.view, 19, 23)
    press_label(qtbot, document.view, "2")
    drag(qtbot, document.view, 30, 34)
    press_label(qtbot, document.view, "3")

    assert document.stored_spans() == [(0, 5, "PERSON"), (19, 23, "LOCATION"),
                                       (30, 34, "ORG")]


def test_rtl_keyboard_moves_visually(open_file: OpenFile, qtbot: QtBot) -> None:
    document = open_file(RTL_TEXT.encode())
    click(qtbot, document.view, 0)
    # In a right-to-left line, Left moves forward in the text.
    keys(qtbot, document.view, Qt.Key.Key_Left, 3, Qt.KeyboardModifier.ShiftModifier)
    press_label(qtbot, document.view, "1")
    click(qtbot, document.view, 30)
    keys(qtbot, document.view, Qt.Key.Key_End, 1, Qt.KeyboardModifier.ShiftModifier)
    press_label(qtbot, document.view, "2")

    assert document.stored_spans() == [(0, 3, "PERSON"), (30, 40, "LOCATION")]


CP1252_BYTES = b"Caf\xe9 na\xefve \x93quoted\x94 costs \x80 5\n"
# Decoded: "Café " 0-5, "naïve " 5-11, curly-quoted word 11-19, " costs " 19-26,
# euro sign 26.


def test_cp1252_file(open_file: OpenFile, qtbot: QtBot) -> None:
    document = open_file(CP1252_BYTES)
    drag(qtbot, document.view, 11, 19)
    press_label(qtbot, document.view, "3")
    click(qtbot, document.view, 26)
    keys(qtbot, document.view, Qt.Key.Key_Right, 1, Qt.KeyboardModifier.ShiftModifier)
    press_label(qtbot, document.view, "4")

    assert document.text[11:19] == "\u201cquoted\u201d"
    assert document.stored_spans() == [(11, 19, "ORG"), (26, 27, "EMOJI")]
    assert "decoded as Windows-1252 (guessed)" in document.view.header_text()


UTF16_TEXT = "Ünïcödé 😀 text\r\nzweite Zeile\r\n"
# "Ünïcödé " 0-8, the emoji 8 (one code point, two UTF-16 units), " text" 9-14,
# CR LF 14-16, "zweite" 16-22.


def test_utf16_file_with_bom(open_file: OpenFile, qtbot: QtBot) -> None:
    document = open_file(b"\xff\xfe" + UTF16_TEXT.encode("utf-16-le"))
    drag(qtbot, document.view, 8, 9)
    press_label(qtbot, document.view, "4")
    click(qtbot, document.view, 16)
    keys(qtbot, document.view, Qt.Key.Key_Right, 6, Qt.KeyboardModifier.ShiftModifier)
    press_label(qtbot, document.view, "2")

    assert document.text == UTF16_TEXT  # the BOM is gone, CRLF stays
    assert document.stored_spans() == [(8, 9, "EMOJI"), (16, 22, "LOCATION")]
    assert "UTF-16 LE with BOM" in document.view.header_text()
    assert "guessed" not in document.view.header_text()


def test_utf8_bom_file(open_file: OpenFile, qtbot: QtBot) -> None:
    document = open_file(b"\xef\xbb\xbfAnna Berg\n")
    drag(qtbot, document.view, 0, 4)
    press_label(qtbot, document.view, "1")

    assert document.stored_spans() == [(0, 4, "PERSON")]
    assert "UTF-8 with BOM" in document.view.header_text()


def test_tabs_count_one_code_point(open_file: OpenFile, qtbot: QtBot) -> None:
    document = open_file(b"id\tname\tcity\n7\tAnna\tOslo\n")
    # "id\tname\tcity\n" is 13 code points; "7\t" 13-15, "Anna" 15-19, tab, "Oslo" 20-24.
    drag(qtbot, document.view, 20, 24)
    press_label(qtbot, document.view, "2")
    drag(qtbot, document.view, 15, 19)
    press_label(qtbot, document.view, "1")

    assert document.stored_spans() == [(15, 19, "PERSON"), (20, 24, "LOCATION")]
