"""The shared corpus: documents open in the view, imported spans show where they belong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from labeler.core.formats.ner_import import import_spans
from labeler.core.text_annotations import TextAnnotations
from labeler.gui.text_view import TextAnnotationView
from tests.core.test_text_annotations import build_text_workspace

pytestmark = [pytest.mark.gui, pytest.mark.corpus]

DOCUMENTS = ("*.txt", "*.csv", "*.json")


def make_view(qtbot: QtBot, service: TextAnnotations) -> TextAnnotationView:
    view = TextAnnotationView()
    qtbot.addWidget(view)
    view.resize(1000, 700)
    view.set_ontology(service.ontology)
    view.set_store(service)
    view.show()
    qtbot.waitExposed(view)
    return view


def test_corpus_documents_open(tmp_path: Path, corpus: Path, qtbot: QtBot) -> None:
    folder = corpus / "text/documents"
    files = {path.name: path.read_bytes() for pattern in DOCUMENTS
             for path in sorted(folder.glob(pattern))}
    assert len(files) >= 6
    workspace = build_text_workspace(tmp_path, files)
    project = workspace.open()
    try:
        service = TextAnnotations(project)
        view = make_view(qtbot, service)
        for name in files:
            asset = project.find_asset(name)
            document = service.document(asset.id)
            view.show_document(asset.id, document.text, document.codec, [],
                               guessed_encoding=document.is_encoding_guessed)
            editor = view.editor_widget()

            assert asset.kind == "text", name
            assert view._stack.currentIndex() == 0
            assert editor.document().characterCount() - 1 == view._map.qt_length, name
            assert view.offset_to_point(len(document.text)).y() >= 0
    finally:
        project.close()
    # The FakeNameGenerator CSV starts with a UTF-8 BOM.
    assert files["presidio_research_FakeNameGenerator.com_100.csv"][:3] == b"\xef\xbb\xbf"


def test_presidio_spans_show_at_their_values(tmp_path: Path, corpus: Path,
                                             qtbot: QtBot) -> None:
    source = corpus / "text/ner/presidio_research_generated_small.json"
    records = json.loads(source.read_text())
    texts = sorted({record["full_text"] for record in records})
    files = {f"doc{i:03}.txt": text.encode() for i, text in enumerate(texts)}
    types = sorted({span["entity_type"] for record in records for span in record["spans"]})
    ontology = {"labels": [{"name": name, "shapes": ["span"]} for name in types]}
    workspace = build_text_workspace(tmp_path, files, ontology)
    project = workspace.open()
    try:
        service = TextAnnotations(project)
        result = import_spans(service, source.read_bytes(), "presidio")
        view = make_view(qtbot, service)
        checked = 0
        for record in records[:10]:
            asset_id = service.project.find_asset(
                f"doc{texts.index(record['full_text']):03}.txt").id
            document = service.document(asset_id)
            view.show_document(asset_id, document.text, document.codec, service.list(asset_id))
            drawn = {(s.cursor.selectionStart(), s.cursor.selectionEnd()):
                     s.cursor.selectedText() for s in view.editor_widget().extraSelections()}
            for span in record["spans"]:
                start, end = span["start_position"], span["end_position"]
                qt_range = (view._map.to_qt(start), view._map.to_qt(end))
                assert drawn[qt_range] == span["entity_value"]
                checked += 1
    finally:
        project.close()

    assert result.spans_added > 150
    assert checked >= 15
