"""Text annotation kinds, grapheme clusters, word snapping, the span index and the service.

`build_text_workspace` and `stored_annotations` are used by the span import
and GUI text tests as well.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Mapping

import pytest

from labeler.core.annotations import Annotation, AnnotationStore, normalise_geometry
from labeler.core.crypto.primitives import TEST_KDF_COST
from labeler.core.errors import ConfigError
from labeler.core.ingest import run_import
from labeler.core.model.ontology import parse_ontology
from labeler.core.policy.fields import parse_field_policy
from labeler.core.project import Project
from labeler.core.session import Session
from labeler.core.text_annotations import (
    LONG_SPAN,
    SpanIndex,
    TextAnnotationError,
    TextAnnotations,
    grapheme_boundaries,
    overlap_labels,
    snap_to_graphemes,
    snap_to_words,
    text_for_user,
)
from tests.core.factories import PASSWORDS, POLICY, ROLES

TEXT_ONTOLOGY: Final[dict[str, Any]] = {
    "labels": [
        {"name": "PERSON", "key": "1", "color": "#e6194b", "shapes": ["span"],
         "attributes": [{"name": "certainty", "type": "choice", "choices": ["low", "high"]}]},
        {"name": "LOCATION", "key": "2", "color": "#3cb44b", "shapes": ["span"]},
        {"name": "ORG", "key": "3", "color": "#4363d8", "shapes": ["span"]},
        {"name": "EMOJI", "key": "4", "color": "#f58231", "shapes": ["span"]},
        {"name": "works_for", "color": "#911eb4", "shapes": ["relation"]},
        {"name": "box", "shapes": ["bbox"]},
    ],
    "classifications": [
        {"name": "sensitivity", "type": "choice", "choices": ["low", "high"]},
        {"name": "reviewed", "type": "bool"},
    ],
    "text": {"allow_overlap": ["PERSON", "ORG"]},
}


@dataclass
class TextWorkspace:
    root: Path
    project_id: str

    def sign_in(self, user: str = "anna") -> Session:
        return Session.sign_in(self.root, user, PASSWORDS[user])

    def open(self, user: str = "anna") -> Project:
        return self.sign_in(user).open_project(self.project_id)

    def asset_id(self, path: str) -> int:
        project = self.open("admin")
        try:
            return project.find_asset(path).id
        finally:
            project.close()


def build_text_workspace(root: Path, files: Mapping[str, bytes],
                         ontology: Mapping[str, Any] = TEXT_ONTOLOGY) -> TextWorkspace:
    """Create a workspace whose project has span labels and import `files` as a bucket.

    Follows `tests.core.factories.build_workspace`: admin, reviewer rita and
    annotator anna, one team, one project.
    """
    bucket = root / "bucket"
    bucket.mkdir(parents=True)
    for name, content in files.items():
        (bucket / name).write_bytes(content)
    workspace = root / "workspace"
    admin = Session.create_workspace(workspace, "admin", PASSWORDS["admin"], TEST_KDF_COST)
    try:
        admin.add_team("team")
        admin.add_user("rita", "reviewer", PASSWORDS["rita"], ["team"], TEST_KDF_COST)
        admin.add_user("anna", "annotator", PASSWORDS["anna"], ["team"], TEST_KDF_COST)
        project_id = admin.create_project(
            "Text", parse_ontology(ontology), parse_field_policy(POLICY, ROLES), ["team"])
        bucket_id = admin.add_bucket(project_id, bucket)
        project = admin.open_project(project_id)
        report = run_import(project, bucket_id)
        project.close()
    finally:
        admin.lock()
    assert not report.failed, report.failed
    return TextWorkspace(workspace, project_id)


def stored_annotations(workspace: TextWorkspace, asset_id: int) -> list[Annotation]:
    """Read an asset's annotations back through a new session, as a restart would."""
    project = workspace.open("rita")
    try:
        return AnnotationStore(project).list(asset_id)
    finally:
        project.close()


@pytest.fixture
def workspace(tmp_path: Path) -> TextWorkspace:
    text = "Anna Berg works for Acme Corp in Oslo.\r\nShe likes 👍🏽 and 🇳🇴.\n"
    return build_text_workspace(tmp_path, {"note.txt": text.encode("utf-8")})


@pytest.fixture
def service(workspace: TextWorkspace) -> TextAnnotations:
    project = workspace.open()
    yield TextAnnotations(project)
    project.close()


# -- kinds -----------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "data", "message"), [
    ("span", {"start": 3, "end": 3}, "start < end"),
    ("span", {"start": True, "end": 3}, "integer 'start'"),
    ("span", {"start": -1, "end": 3}, "must not be negative"),
    ("span", {"start": 0, "end": 2, "attributes": []}, "attributes must be a table"),
    ("relation", {"from": "a", "to": "a"}, "two different spans"),
    ("relation", {"from": "a"}, "span id in 'to'"),
    ("text_classification", {"values": 3}, "table of values"),
    ("comment", {"text": "  "}, "non-empty text"),
    ("comment", {"text": "x", "start": 4, "end": 2}, "start < end"),
])
def test_kind_validators_reject(kind: str, data: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        normalise_geometry(kind, data)


def test_kind_validators_keep_plain_values() -> None:
    assert normalise_geometry("span", {"start": 1, "end": 4}) == {
        "start": 1, "end": 4, "attributes": {}}
    assert normalise_geometry("comment", {"text": "check", "start": 0, "end": 2}) == {
        "text": "check", "start": 0, "end": 2}


# -- grapheme clusters ---------------------------------------------------------------


@pytest.mark.parametrize(("text", "boundaries"), [
    ("ab", [0, 1, 2]),
    ("👍🏽x", [0, 2, 3]),  # thumbs up + skin tone modifier
    ("👨\u200d👩\u200d👧\u200d👦!", [0, 7, 8]),  # family ZWJ sequence
    ("🏳\ufe0f\u200d🌈", [0, 4]),  # rainbow flag: variation selector and ZWJ
    ("🇳🇴🇸🇪", [0, 2, 4]),  # two flags: regional indicators pair up
    ("🇳🇴🇸", [0, 2, 3]),
    ("e\u0301\u0323x", [0, 3, 4]),  # NFD: two combining marks
    ("a\r\nb\rc", [0, 1, 3, 4, 5, 6]),  # CRLF is one cluster, a lone CR another
    ("\u0645\u064e\u0631", [0, 2, 3]),  # Arabic letter with fatha
    ("\u05e9\u05c1\u05dc", [0, 2, 3]),  # Hebrew shin with shin dot
    ("\u1100\u1161\u11a8\uac00", [0, 3, 4]),  # conjoining jamo, then a syllable
    ("1\ufe0f\u20e3", [0, 3]),  # keycap
    ("a\tb", [0, 1, 2, 3]),
])
def test_grapheme_boundaries(text: str, boundaries: list[int]) -> None:
    assert grapheme_boundaries(text) == boundaries


def test_snap_to_graphemes_widens_split_clusters() -> None:
    text = "hi 👨\u200d👩\u200d👧 ok"  # the family occupies 3..8
    assert snap_to_graphemes(text, 4, 6) == (3, 8)
    assert snap_to_graphemes(text, 3, 8) == (3, 8)


@pytest.mark.parametrize(("text", "selected", "snapped"), [
    ("Anna Berg works", (2, 7), (0, 9)),
    ("Anna Berg works", (4, 10), (5, 9)),  # white space at the edges is trimmed
    ("say don't go", (6, 7), (4, 9)),  # an apostrophe inside a word
    ("cafe\u0301 au lait", (1, 4), (0, 5)),  # NFD: the accent belongs to the word
    ("\u05e9\u05dc\u05d5\u05dd \u05e2\u05d5\u05dc\u05dd", (1, 2), (0, 4)),  # Hebrew
    ("x 👍🏽 y", (2, 3), (2, 4)),  # not a word: only the cluster is completed
    ("a   b", (1, 3), (1, 3)),  # only white space: unchanged
])
def test_snap_to_words(text: str, selected: tuple[int, int], snapped: tuple[int, int]) -> None:
    assert snap_to_words(text, *selected) == snapped


# -- span index ---------------------------------------------------------------------------


def test_span_index_overlaps_include_long_spans() -> None:
    index = SpanIndex([(0, LONG_SPAN * 3, "long"), (10, 20, "a"), (15, 30, "b"),
                       (40, 50, "c")])
    assert [key[2] for key in index.overlapping(18, 19)] == ["long", "a", "b"]
    assert [key[2] for key in index.overlapping(30, 40)] == ["long"]
    assert [key[2] for key in index.overlapping(LONG_SPAN * 2, LONG_SPAN * 2 + 1)] == ["long"]
    assert [key[2] for key in index.containing(16)] == ["long", "a", "b"]
    nested = SpanIndex([(5, 8, "inner"), (5, 20, "outer")])
    assert [key[2] for key in nested.containing(6)] == ["outer", "inner"]


def test_span_index_lookups_by_id() -> None:
    index = SpanIndex([(10, 20, "a"), (0, LONG_SPAN * 2, "long")])
    assert len(index) == 2
    assert "a" in index
    assert "b" not in index
    assert index.bounds("long") == (0, LONG_SPAN * 2)
    index.add("a", 12, 14)
    index.add("b", 30, 31)
    assert index.bounds("a") == (12, 14)
    assert len(index) == 3
    assert index.keys() == [(0, LONG_SPAN * 2, "long"), (12, 14, "a"), (30, 31, "b")]


def test_span_index_navigation_and_removal() -> None:
    index = SpanIndex([(10, 20, "a"), (10, 12, "b"), (30, 31, "c")])
    assert index.following((0,)) == (10, 12, "b")
    assert index.following((10, 12, "b")) == (10, 20, "a")
    assert index.preceding((30, 31, "c")) == (10, 20, "a")
    assert index.following((30, 31, "c")) is None
    index.remove("a")
    assert index.following((10, 12, "b")) == (30, 31, "c")
    assert len(index) == 2


def test_allow_overlap_must_name_labels() -> None:
    ontology = parse_ontology({**TEXT_ONTOLOGY, "text": {"allow_overlap": ["NOBODY"]}})
    with pytest.raises(ConfigError, match="NOBODY"):
        overlap_labels(ontology)


def test_allow_overlap_survives_the_stored_ontology(service: TextAnnotations) -> None:
    assert overlap_labels(service.ontology) == {"PERSON", "ORG"}


# -- the service ----------------------------------------------------------------------------


def test_text_for_user_returns_original(workspace: TextWorkspace) -> None:
    project = workspace.open()
    try:
        text, codec, variant = text_for_user(project, project.find_asset("note.txt"))
    finally:
        project.close()
    assert text.startswith("Anna Berg works")
    assert "\r\n" in text
    assert codec == "utf-8"
    assert variant == "original"


def test_span_is_stored_and_read_back(workspace: TextWorkspace,
                                      service: TextAnnotations) -> None:
    asset_id = workspace.asset_id("note.txt")
    span = service.add_span(asset_id, 0, 9, "PERSON", {"certainty": "high"})

    stored = stored_annotations(workspace, asset_id)

    assert [(a.id, a.kind, a.label) for a in stored] == [(span.id, "span", "PERSON")]
    assert stored[0].data == {"start": 0, "end": 9, "attributes": {"certainty": "high"}}


def test_emoji_offsets_count_code_points(workspace: TextWorkspace,
                                         service: TextAnnotations) -> None:
    asset_id = workspace.asset_id("note.txt")
    text = service.document(asset_id).text
    # By hand: 38 characters of the first sentence, CR LF, "She likes " (10).
    span = service.add_span(asset_id, 50, 52, "EMOJI")
    flag = service.add_span(asset_id, 57, 59, "EMOJI")
    last = service.add_span(asset_id, 60, 61, "EMOJI")  # the final LF; end == length
    assert text[span.data["start"]:span.data["end"]] == "👍🏽"
    assert text[flag.data["start"]:flag.data["end"]] == "🇳🇴"
    assert text[last.data["start"]:last.data["end"]] == "\n"
    assert len(text) == 61


@pytest.mark.parametrize(("start", "end", "message"), [
    (0, 62, "outside the document"),
    (-1, 3, "outside the document"),
    (5, 5, "outside the document"),
])
def test_span_bounds_are_checked(workspace: TextWorkspace, service: TextAnnotations,
                                 start: int, end: int, message: str) -> None:
    with pytest.raises(TextAnnotationError, match=message):
        service.add_span(workspace.asset_id("note.txt"), start, end, "PERSON")


def test_overlap_follows_the_ontology(workspace: TextWorkspace,
                                      service: TextAnnotations) -> None:
    asset_id = workspace.asset_id("note.txt")
    service.add_span(asset_id, 20, 29, "ORG")
    service.add_span(asset_id, 20, 24, "PERSON")  # nested: both labels may overlap

    with pytest.raises(TextAnnotationError, match=r"overlaps span 20-29 \(ORG\)"):
        service.add_span(asset_id, 25, 37, "LOCATION")
    with pytest.raises(TextAnnotationError, match="already exists"):
        service.add_span(asset_id, 20, 29, "ORG")
    service.add_span(asset_id, 33, 37, "LOCATION")  # touching is not overlapping
    with pytest.raises(TextAnnotationError, match="overlaps"):
        service.add_span(asset_id, 33, 37, "PERSON")


def test_label_must_allow_spans(workspace: TextWorkspace, service: TextAnnotations) -> None:
    with pytest.raises(TextAnnotationError, match="does not allow spans"):
        service.add_span(workspace.asset_id("note.txt"), 0, 4, "works_for")
    with pytest.raises(ConfigError, match="not in the project's ontology"):
        service.add_span(workspace.asset_id("note.txt"), 0, 4, "NOBODY")


def test_span_attributes_are_checked(workspace: TextWorkspace,
                                     service: TextAnnotations) -> None:
    asset_id = workspace.asset_id("note.txt")
    with pytest.raises(TextAnnotationError, match="must be one of"):
        service.add_span(asset_id, 0, 4, "PERSON", {"certainty": "medium"})
    with pytest.raises(TextAnnotationError, match="no attribute 'age'"):
        service.add_span(asset_id, 0, 4, "PERSON", {"age": 3})


def test_update_span_keeps_identity(workspace: TextWorkspace,
                                    service: TextAnnotations) -> None:
    asset_id = workspace.asset_id("note.txt")
    span = service.add_span(asset_id, 0, 4, "PERSON")
    updated = service.update_span(span.id, asset_id, end=9, label="ORG")

    stored = stored_annotations(workspace, asset_id)

    assert updated.id == span.id
    assert [(a.label, a.data["start"], a.data["end"]) for a in stored] == [("ORG", 0, 9)]
    assert stored[0].created_at == span.created_at


def test_deleting_a_span_deletes_its_relations(workspace: TextWorkspace,
                                               service: TextAnnotations) -> None:
    asset_id = workspace.asset_id("note.txt")
    person = service.add_span(asset_id, 0, 9, "PERSON")
    org = service.add_span(asset_id, 20, 29, "ORG")
    relation = service.add_relation(asset_id, person.id, org.id, "works_for")

    removed = service.delete(asset_id, org.id)

    assert [a.id for a in removed] == [org.id, relation.id]
    assert [a.id for a in stored_annotations(workspace, asset_id)] == [person.id]
    service.restore(removed)
    restored = {a.id: a for a in stored_annotations(workspace, asset_id)}
    assert set(restored) == {person.id, org.id, relation.id}
    assert restored[relation.id].data["from"] == person.id


def test_relation_rules(workspace: TextWorkspace, service: TextAnnotations) -> None:
    asset_id = workspace.asset_id("note.txt")
    person = service.add_span(asset_id, 0, 9, "PERSON")
    org = service.add_span(asset_id, 20, 29, "ORG")
    with pytest.raises(TextAnnotationError, match="does not allow relations"):
        service.add_relation(asset_id, person.id, org.id, "PERSON")
    with pytest.raises(TextAnnotationError, match="not a span of asset"):
        service.add_relation(asset_id, person.id, "missing", "works_for")
    with pytest.raises(TextAnnotationError, match="two different spans"):
        service.add_relation(asset_id, person.id, person.id, "works_for")
    relation = service.add_relation(asset_id, person.id, org.id, "works_for")
    assert relation.data == {"from": person.id, "to": org.id, "attributes": {}}
    with pytest.raises(TextAnnotationError, match="already exists"):
        service.add_relation(asset_id, person.id, org.id, "works_for")


def test_classification_replaces_values(workspace: TextWorkspace,
                                        service: TextAnnotations) -> None:
    asset_id = workspace.asset_id("note.txt")
    first = service.set_classification(asset_id, {"sensitivity": "low"})
    second = service.set_classification(asset_id, {"sensitivity": "high", "reviewed": True})
    with pytest.raises(TextAnnotationError, match="must be bool"):
        service.set_classification(asset_id, {"reviewed": "yes"})

    stored = stored_annotations(workspace, asset_id)

    assert second.id == first.id
    assert [(a.kind, a.data) for a in stored] == [
        ("text_classification", {"values": {"sensitivity": "high", "reviewed": True}})]


def test_comments_anchor_inside_the_document(workspace: TextWorkspace,
                                             service: TextAnnotations) -> None:
    asset_id = workspace.asset_id("note.txt")
    service.add_comment(asset_id, "check the spelling", start=0, end=4)
    service.add_comment(asset_id, "whole document")
    with pytest.raises(TextAnnotationError, match="outside the document"):
        service.add_comment(asset_id, "too far", start=60, end=70)

    stored = sorted((a.data.get("start", -1), a.data["text"])
                    for a in stored_annotations(workspace, asset_id))

    assert stored == [(-1, "whole document"), (0, "check the spelling")]


def test_new_service_sees_stored_spans(workspace: TextWorkspace,
                                       service: TextAnnotations) -> None:
    asset_id = workspace.asset_id("note.txt")
    service.add_span(asset_id, 20, 29, "ORG")
    project = workspace.open()
    try:
        fresh = TextAnnotations(project)
        with pytest.raises(TextAnnotationError, match="overlaps"):
            fresh.add_span(asset_id, 25, 37, "LOCATION")
        assert [s.data["start"] for s in fresh.spans(asset_id)] == [20]
    finally:
        project.close()
