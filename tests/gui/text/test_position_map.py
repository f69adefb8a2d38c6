"""PositionMap against a real QPlainTextEdit, and grapheme clusters against Qt's."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import QTextBoundaryFinder
from PySide6.QtWidgets import QPlainTextEdit
from pytestqt.qtbot import QtBot

from labeler.core.text_annotations import grapheme_boundaries
from labeler.gui.text import position_map as position_map_module
from labeler.gui.text.position_map import PositionMap

pytestmark = pytest.mark.gui

SAMPLES = {
    "ascii": "plain text\n",
    "skin tone": "ok 👍🏽 ok",
    "zwj family": "a 👨\u200d👩\u200d👧\u200d👦 b",
    "flags": "🇳🇴🇸🇪🇩🇪",
    "combining": "Cafe\u0301 cre\u0300me e\u0301\u0323",
    "crlf": "one\r\ntwo\r\n\r\nthree",
    "lone cr": "mac\rline\rend\r",
    "mixed breaks": "a\r\nb\rc\nd\u2029e\u2028f",
    "nfd hangul": "\u1100\u1161\u11a8 \ud55c",
    "arabic": "مَرحبا بالعالم",
    "hebrew": "שָׁלוֹם עולם",
    "mixed direction": "Hello שלום world مرحبا 123",
    "tabs": "a\tb\t\tc\n\t",
    "astral after crlf": "x\r\n😀\r\n𝔸",
    "frame markers": "a\ufdd0b\ufdd1c",
    "empty": "",
}


def document_of(qtbot: QtBot, position_map: PositionMap) -> QPlainTextEdit:
    editor = QPlainTextEdit()
    qtbot.addWidget(editor)
    editor.setPlainText(position_map.display_text)
    return editor


@pytest.mark.parametrize("text", SAMPLES.values(), ids=SAMPLES.keys())
def test_qt_characters_match_original(qtbot: QtBot, text: str) -> None:
    position_map = PositionMap(text)
    editor = document_of(qtbot, position_map)
    document = editor.document()

    assert document.characterCount() - 1 == position_map.qt_length
    assert document.blockCount() == 1 + len(re.findall("\r\n|\r|\n|\u2029", text))
    for offset, char in enumerate(text):
        position = position_map.to_qt(offset)
        qt_char = document.characterAt(position)
        if char in "\r\n\u2029":
            if char == "\n" and text[offset - 1:offset] == "\r":
                continue  # the LF of CRLF shares the CR's block separator
            assert qt_char == "\u2029", (offset, char)
        elif char in "\ufdd0\ufdd1":
            assert qt_char == "\ufffd"
        elif ord(char) > 0xFFFF:
            assert qt_char == char.encode("utf-16-le")[:2].decode("utf-16-le", "surrogatepass")
        else:
            assert qt_char == char, (offset, char)


@pytest.mark.parametrize("text", SAMPLES.values(), ids=SAMPLES.keys())
def test_round_trip_at_every_boundary(text: str) -> None:
    position_map = PositionMap(text)
    for offset in grapheme_boundaries(text):
        assert position_map.to_offset(position_map.to_qt(offset)) == offset


def test_hand_computed_positions() -> None:
    # "x" 0, CR LF 1-2, the emoji 3 (two UTF-16 units), CR LF 4-5, U+1D538 6.
    position_map = PositionMap("x\r\n😀\r\n𝔸")
    assert [position_map.to_qt(offset) for offset in range(8)] == [0, 1, 2, 2, 4, 5, 5, 7]
    assert [position_map.to_offset(position) for position in range(8)] == [
        0, 1, 3, 3, 4, 6, 6, 7]
    assert position_map.to_offset(3, round_up=True) == 4
    assert position_map.qt_length == 7


@pytest.mark.parametrize("chunk", [1, 2, 3, 5])
def test_chunked_scan_matches_one_pass(
    monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    """Tiny chunks split CRLF pairs and astral characters across chunk edges."""
    text = "".join(SAMPLES.values()) + "\r\n\r\r\n😀\r\n"
    one_pass = PositionMap(text)
    offsets = range(len(text) + 1)
    positions = range(one_pass.qt_length + 1)
    # UTF-16 units before the offset, less one for each CRLF that ends before it.
    expected = [len(text[:offset].encode("utf-16-le")) // 2
                - text[:offset].count("\r\n") for offset in offsets]
    monkeypatch.setattr(position_map_module, "_SCAN_CHUNK", chunk)
    chunked = PositionMap(text)

    assert [chunked.to_qt(offset) for offset in offsets] == expected
    assert chunked.qt_length == one_pass.qt_length
    assert [chunked.to_offset(position) for position in positions] == [
        one_pass.to_offset(position) for position in positions]


def test_display_text_keeps_line_breaks() -> None:
    """Qt reads CRLF and CR as one break, so only frame markers are replaced."""
    assert PositionMap("a\r\nb\rc").display_text == "a\r\nb\rc"
    assert PositionMap("a\ufdd0b\ufdd1").display_text == "a\ufffdb\ufffd"


def test_out_of_range_is_rejected() -> None:
    position_map = PositionMap("ab")
    with pytest.raises(ValueError, match="outside 0..2"):
        position_map.to_qt(3)
    with pytest.raises(ValueError, match="outside 0..2"):
        position_map.to_offset(-1)


@pytest.mark.parametrize("name", [name for name in SAMPLES if name != "frame markers"])
def test_graphemes_agree_with_qt(qtbot: QtBot, name: str) -> None:
    text = SAMPLES[name]
    position_map = PositionMap(text)
    # The document's raw text has one U+2029 per line break, so the finder
    # counts positions as the document does, also where a CRLF is one break.
    editor = document_of(qtbot, position_map)
    qt_text = editor.document().toRawText()
    finder = QTextBoundaryFinder(QTextBoundaryFinder.BoundaryType.Grapheme, qt_text)
    qt_boundaries = []
    position = 0
    while position != -1:
        qt_boundaries.append(position)
        position = finder.toNextBoundary()
    ours = sorted({position_map.to_qt(offset) for offset in grapheme_boundaries(text)})

    assert ours == qt_boundaries
