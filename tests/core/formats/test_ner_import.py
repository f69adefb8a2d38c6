"""Span import from doccano, presidio-research and CoNLL/IOB files, and export back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from labeler.core.errors import ConfigError
from labeler.core.formats.ner_import import (
    LineError,
    SpanFileError,
    export_doccano,
    export_presidio,
    import_spans,
)
from labeler.core.project import Project
from labeler.core.text_annotations import TextAnnotations
from tests.core.test_text_annotations import (
    TEXT_ONTOLOGY,
    TextWorkspace,
    build_text_workspace,
    stored_annotations,
)

SPACY_TEXT = (
    "When Sebastian Thrun started working on self-driving cars at Google in 2007, few "
    "people outside of the company took him seriously. “I can tell you very senior CEOs "
    "of major American car companies would shake my hand and turn away because I wasn’t "
    "worth talking to,” said Thrun, in an interview with Recode earlier this week.\n")


def open_service(workspace: TextWorkspace) -> tuple[Project, TextAnnotations]:
    project = workspace.open()
    return project, TextAnnotations(project)


def spans_of(workspace: TextWorkspace, path: str) -> list[tuple[int, int, str | None]]:
    asset_id = workspace.asset_id(path)
    return sorted((a.data["start"], a.data["end"], a.label)
                  for a in stored_annotations(workspace, asset_id) if a.kind == "span")


# -- doccano ---------------------------------------------------------------------------


@pytest.mark.corpus
def test_doccano_export_imports_by_text(tmp_path: Path, corpus: Path) -> None:
    source = corpus / "text/ner/doccano_export_sequence_labeling.jsonl"
    texts = [json.loads(line)["text"] for line in source.read_text().splitlines()]
    workspace = build_text_workspace(
        tmp_path, {f"doc{i}.txt": text.encode() for i, text in enumerate(texts)})
    project, service = open_service(workspace)
    try:
        result = import_spans(service, source.read_bytes(), "doccano", {"MISC": None})
    finally:
        project.close()

    assert result.records == 3
    assert result.spans_added == 3
    assert result.ignored_labels == {"MISC": 1}
    assert result.is_complete
    # "EU rejects ...": EU is 0-2; "Peter Blackburn" is 0-15; "President Obama": 10-15.
    assert spans_of(workspace, "doc0.txt") == [(0, 2, "ORG")]
    assert spans_of(workspace, "doc1.txt") == [(0, 15, "PERSON")]
    assert spans_of(workspace, "doc2.txt") == [(10, 15, "PERSON")]


@pytest.mark.corpus
def test_doccano_custom_columns(tmp_path: Path, corpus: Path) -> None:
    source = corpus / "text/ner/doccano_import_sequence_labeling_column.jsonl"
    workspace = build_text_workspace(tmp_path, {"a.txt": b"Peter Blackburn"})
    project, service = open_service(workspace)
    try:
        result = import_spans(service, source.read_bytes(), "doccano",
                              text_key="column_data", label_key="column_label")
    finally:
        project.close()

    assert result.matches == [(2, workspace.asset_id("a.txt"))]
    assert result.unmatched_lines == [1, 3]
    assert spans_of(workspace, "a.txt") == [(0, 15, "PERSON")]


@pytest.mark.corpus
def test_doccano_missing_text_is_reported(tmp_path: Path, corpus: Path) -> None:
    source = corpus / "text/ner/doccano_test_missing_text.jsonl"
    workspace = build_text_workspace(tmp_path, {"a.txt": b"exampleA", "b.txt": b"exampleB"})
    project, service = open_service(workspace)
    try:
        result = import_spans(service, source.read_bytes(), "doccano")
    finally:
        project.close()

    assert result.errors == [LineError(3, "the record has no 'text' text")]
    assert result.unknown_labels == {"LOC": 1}  # LOC is not a label of the ontology
    assert result.spans_added == 0
    assert not result.is_complete


@pytest.mark.corpus
def test_doccano_duplicates_are_counted(tmp_path: Path, corpus: Path) -> None:
    source = corpus / "text/ner/doccano_test_overlapping.jsonl"
    workspace = build_text_workspace(tmp_path, {"a.txt": b"exampleA"})
    project, service = open_service(workspace)
    try:
        result = import_spans(service, source.read_bytes(), "doccano", {"LOC": "LOCATION"})
        again = import_spans(service, source.read_bytes(), "doccano", {"LOC": "LOCATION"})
    finally:
        project.close()

    assert (result.spans_added, result.duplicates) == (1, 1)
    assert (again.spans_added, again.duplicates) == (0, 2)
    assert spans_of(workspace, "a.txt") == [(0, 1, "LOCATION")]


@pytest.mark.corpus
def test_doccano_relations(tmp_path: Path, corpus: Path) -> None:
    source = corpus / "text/ner/doccano_relation_extraction.jsonl"
    text = json.loads(source.read_text())["text"]
    workspace = build_text_workspace(tmp_path, {"google.txt": text.encode()})
    mapping = {"DATE": None, "foundedBy": "works_for", "foundedAt": None}
    project, service = open_service(workspace)
    try:
        result = import_spans(service, source.read_bytes(), "doccano", mapping)
    finally:
        project.close()

    assert (result.spans_added, result.relations_added) == (3, 2)
    assert result.ignored_labels == {"DATE": 1, "foundedAt": 1}
    stored = stored_annotations(workspace, workspace.asset_id("google.txt"))
    spans = {a.id: (a.data["start"], a.data["end"], a.label) for a in stored if a.kind == "span"}
    relations = sorted((spans[a.data["from"]], spans[a.data["to"]], a.label)
                       for a in stored if a.kind == "relation")
    # Google 0-6 was founded by Larry Page 44-54 and Sergey Brin 59-70.
    assert relations == [((0, 6, "ORG"), (44, 54, "PERSON"), "works_for"),
                         ((0, 6, "ORG"), (59, 70, "PERSON"), "works_for")]


def test_doccano_offsets_are_checked(tmp_path: Path) -> None:
    lines = [
        {"text": "Oslo and Bergen", "label": [[0, 4, "LOCATION"], [9, 99, "LOCATION"],
                                            [2, 6, "LOCATION"], ["a", 3, "ORG"]]},
        {"text": "Oslo and Bergen", "label": [[9, 15, "CITY"], [9, 15, "CITY"], [0, 1, "TOWN"]]},
        "not a record",
    ]
    data = "\n".join(json.dumps(line) for line in lines).encode() + b"\n{broken\n"
    workspace = build_text_workspace(tmp_path, {"a.txt": b"Oslo and Bergen"})
    project, service = open_service(workspace)
    try:
        result = import_spans(service, data, "doccano")
    finally:
        project.close()

    assert [error.line for error in result.errors] == [1, 1, 1, 3, 4]
    assert "outside the document" in result.errors[0].message
    assert "overlaps span 0-4" in result.errors[1].message
    assert "must be integers" in result.errors[2].message
    assert result.unknown_labels == {"CITY": 2, "TOWN": 1}
    assert spans_of(workspace, "a.txt") == [(0, 4, "LOCATION")]


def test_text_must_equal_the_named_asset(tmp_path: Path) -> None:
    workspace = build_text_workspace(tmp_path, {"a.txt": b"Oslo and Bergen\r\n"})
    data = json.dumps({"text": "Oslo and Bergen\n", "label": [[0, 4, "LOCATION"]]}).encode()
    project, service = open_service(workspace)
    try:
        result = import_spans(service, data, "doccano", asset_id=workspace.asset_id("a.txt"))
    finally:
        project.close()

    assert result.errors == [LineError(
        1, "the record's text differs from asset 1's text (16 and 17 characters, first "
        "difference at offset 15)")]
    assert spans_of(workspace, "a.txt") == []


def test_mapping_to_a_missing_label_is_rejected(tmp_path: Path) -> None:
    workspace = build_text_workspace(tmp_path, {"a.txt": b"x"})
    project, service = open_service(workspace)
    try:
        with pytest.raises(ConfigError, match="'PER' to 'HUMAN'"):
            import_spans(service, b"", "doccano", {"PER": "HUMAN"})
        with pytest.raises(ConfigError, match="unknown span format"):
            import_spans(service, b"", "brat")  # type: ignore[arg-type]
        with pytest.raises(SpanFileError, match="JSON list"):
            import_spans(service, b'{"full_text": "x"}', "presidio")
    finally:
        project.close()


# -- presidio-research -----------------------------------------------------------------------


def presidio_ontology(records: list[dict[str, Any]]) -> dict[str, Any]:
    types = sorted({span["entity_type"] for record in records for span in record["spans"]})
    return {"labels": [{"name": name, "shapes": ["span"]} for name in types]}


@pytest.mark.corpus
def test_presidio_small_round_trip(tmp_path: Path, corpus: Path) -> None:
    source = corpus / "text/ner/presidio_research_generated_small.json"
    records = json.loads(source.read_text())
    texts = sorted({record["full_text"] for record in records})
    files = {f"doc{i:03}.txt": text.encode() for i, text in enumerate(texts)}
    workspace = build_text_workspace(tmp_path, files, presidio_ontology(records))
    project, service = open_service(workspace)
    try:
        result = import_spans(service, source.read_bytes(), "presidio")
        asset_ids = [project.find_asset(name).id for name in files]
        exported = export_presidio(service, asset_ids)
    finally:
        project.close()

    # Record 57 ("For my take on Mrs. Ayers, ...") says "Ayers" at 21-26, but
    # those offsets hold "yers,"; the import reports it instead of guessing.
    lines = source.read_text().splitlines()
    bad_line = [i for i, line in enumerate(lines, start=1) if line == "    {"][56]
    assert result.errors == [LineError(
        bad_line, "PERSON span 21-26: 'entity_value' differs from the text at those "
        "offsets; the span was not imported")]
    assert result.records == 100
    assert not result.unmatched_lines
    assert not result.unknown_labels
    expected: dict[str, set[tuple[Any, ...]]] = {text: set() for text in texts}
    for record in records:
        for span in record["spans"]:
            if record["full_text"][span["start_position"]:span["end_position"]] \
                    == span["entity_value"]:
                expected[record["full_text"]].add(tuple(sorted(span.items())))
    got = {record["full_text"]: {tuple(sorted(span.items())) for span in record["spans"]}
           for record in exported}
    assert got == expected
    assert result.spans_added == sum(len(spans) for spans in expected.values())


@pytest.mark.corpus
def test_presidio_sample_spans_sit_at_their_values(tmp_path: Path, corpus: Path) -> None:
    source = corpus / "text/ner/presidio_research_generated_small.json"
    records = json.loads(source.read_text())[:3]
    data = json.dumps(records, indent=4).encode()
    files = {f"doc{i}.txt": record["full_text"].encode() for i, record in enumerate(records)}
    workspace = build_text_workspace(tmp_path, files, presidio_ontology(records))
    project, service = open_service(workspace)
    try:
        result = import_spans(service, data, "presidio")
    finally:
        project.close()

    record_lines = [number for number, line in enumerate(data.decode().splitlines(), start=1)
                    if line == "    {"]
    assert result.is_complete
    assert [line for line, _ in result.matches] == record_lines
    first = records[0]["full_text"]
    # By hand: "Please have the manager call me at " is 35 characters.
    assert spans_of(workspace, "doc0.txt") == [(35, 47, "PHONE_NUMBER"), (83, 89, "PERSON")]
    assert first[35:47] == "(96) 627-277"
    assert first[83:89] == "Wijtze"


@pytest.mark.corpus
def test_presidio_non_ascii_offsets(tmp_path: Path, corpus: Path) -> None:
    source = corpus / "text/ner/presidio_research_synth_dataset_v2.json"
    records = json.loads(source.read_text())
    chosen = [r for r in records if not r["full_text"].isascii() and r["spans"]][:20]
    texts = sorted({r["full_text"] for r in chosen})
    files = {f"doc{i:02}.txt": text.encode() for i, text in enumerate(texts)}
    workspace = build_text_workspace(tmp_path, files, presidio_ontology(records))
    project, service = open_service(workspace)
    try:
        result = import_spans(service, source.read_bytes(), "presidio")
        exported = export_presidio(service, [project.find_asset(n).id for n in files])
    finally:
        project.close()

    matched_texts = {records_text for records_text in texts}
    assert len(result.unmatched_lines) == sum(
        1 for r in records if r["full_text"] not in matched_texts)
    assert not result.errors
    for record in exported:
        for span in record["spans"]:
            text = record["full_text"]
            assert text[span["start_position"]:span["end_position"]] == span["entity_value"]
    assert any(not s["entity_value"].isascii() for r in exported for s in r["spans"])


# -- CoNLL / IOB ------------------------------------------------------------------------------


@pytest.mark.corpus
def test_spacy_iob_aligns_tokens(tmp_path: Path, corpus: Path) -> None:
    source = corpus / "text/ner/spacy_ner-token-per-line.iob"
    ontology = {"labels": [{"name": n, "shapes": ["span"]}
                           for n in ("PERSON", "ORG", "DATE", "NORP")]}
    workspace = build_text_workspace(tmp_path, {"thrun.txt": SPACY_TEXT.encode()}, ontology)
    project, service = open_service(workspace)
    try:
        result = import_spans(service, source.read_bytes(), "conll")
    finally:
        project.close()

    assert result.is_complete
    spans = spans_of(workspace, "thrun.txt")
    # By hand: "When " is 5 characters, "When Sebastian Thrun started working on
    # self-driving cars at " is 61, and "Google in " is 10 more.
    assert spans[:3] == [(5, 20, "PERSON"), (61, 67, "ORG"), (71, 75, "DATE")]
    assert [SPACY_TEXT[start:end] for start, end, _ in spans] == [
        "Sebastian Thrun", "Google", "2007", "American", "Thrun", "Recode",
        "earlier this week"]


@pytest.mark.corpus
def test_conll_errors_and_trailing_blank_lines(tmp_path: Path, corpus: Path) -> None:
    text = "SOCCER - JAPAN GET LUCKY WIN , CHINA IN SURPRISE DEFEAT .\n"
    workspace = build_text_workspace(tmp_path, {"a.txt": text.encode()})
    mapping = {"LOC": "LOCATION", "PER": "PERSON"}
    project, service = open_service(workspace)
    try:
        invalid = import_spans(service, (corpus / "text/ner/doccano_labeling.invalid.conll")
                               .read_bytes(), "conll", mapping)
        trailing = import_spans(service, (corpus / "text/ner/doccano_labeling.trailing.conll")
                                .read_bytes(), "conll", mapping)
    finally:
        project.close()

    assert invalid.errors[0] == LineError(
        1, "tag 'SOCCERO' is not O or B-, I-, E-, S-, L-, U- and a label")
    assert invalid.unmatched_lines == [1]  # "SOCCERO" is not the document's first word
    assert trailing.records == 1
    assert trailing.is_complete
    # By hand: "SOCCER - " is 9 characters, "SOCCER - JAPAN GET LUCKY WIN , " 31.
    assert spans_of(workspace, "a.txt") == [(9, 14, "LOCATION"), (31, 36, "PERSON")]


def test_conll_schemes_and_documents(tmp_path: Path) -> None:
    data = ("-DOCSTART- -X- O O\n\nAnna\tS-PER\nBerg\tB-PER\nlives\tO\nin\tO\n"
            "Oslo\tI-LOC\n\n-DOCSTART-\n\nAcme\tB-ORG\nCorp\tE-ORG\nis\tO\nbig\n").encode()
    workspace = build_text_workspace(tmp_path, {
        "a.txt": b"Anna Berg lives in Oslo", "b.txt": b"Acme Corp\tis big"})
    mapping = {"LOC": "LOCATION", "PER": "PERSON"}
    project, service = open_service(workspace)
    try:
        result = import_spans(service, data, "conll", mapping)
    finally:
        project.close()

    assert result.records == 2
    assert result.errors == [LineError(14, "expected a token and a tag")]
    assert result.unmatched_lines == [11]  # "big" has no tag, so the tokens miss a word
    # S- closes a chunk at once; I- after O opens one (IOB1).
    assert spans_of(workspace, "a.txt") == [(0, 4, "PERSON"), (5, 9, "PERSON"),
                                            (19, 23, "LOCATION")]


@pytest.mark.corpus
def test_doccano_export_round_trip(tmp_path: Path, corpus: Path) -> None:
    source = corpus / "text/ner/doccano_relation_extraction.jsonl"
    original = json.loads(source.read_text())
    ontology = {"labels": [{"name": n, "shapes": ["span"]}
                           for n in ("ORG", "DATE", "PERSON")]
                + [{"name": n, "shapes": ["relation"]} for n in ("foundedAt", "foundedBy")]}
    workspace = build_text_workspace(tmp_path, {"g.txt": original["text"].encode()}, ontology)
    project, service = open_service(workspace)
    try:
        import_spans(service, source.read_bytes(), "doccano")
        exported = export_doccano(service, [workspace.asset_id("g.txt")])
    finally:
        project.close()

    assert exported[0]["text"] == original["text"]
    assert exported[0]["entities"] == original["entities"]
    assert sorted(exported[0]["relations"], key=lambda r: r["to_id"]) == original["relations"]
